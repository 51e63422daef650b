#pragma once
// Floods of concurrent POST /api/coupons/{userId} spread over the nodes: one sender thread per node, each
// sending its share in waves that are all in flight at once (one connection per request).
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "cluster_fixture.hpp"
#include "http_client.hpp"

namespace coupon::test {

struct Planned {
    std::int64_t user = 0;
    std::int64_t policy = 0;
    int node = 0;  // 1-based
};

struct Sent {
    Planned plan;
    int phase = 0;
    HttpReply reply;
};

// `count` requests from users 1..users, policy drawn with the given weights, nodes round-robin.
std::vector<Planned> make_plan(std::mt19937_64& rng, int count, int users,
                               const std::vector<std::pair<std::int64_t, double>>& policy_weights,
                               const std::vector<int>& nodes);

struct FloodOptions {
    std::size_t wave = 100;        // requests in flight at once per node
    int pause_ms = 0;              // pause between a node's waves (to spread a flood over time)
    int timeout_ms = 20000;        // per wave
    int async_every = 0;           // every Nth request asks `Prefer: respond-async` (202 at once); 0: none
    // Called by a node's sender before each of its waves (node, wave index); may block (e.g. to kill a node).
    std::function<void(int node, int wave)> before_wave;
};

// Sends every planned request to its node (the node's current port at the start of each wave). A node
// that is down gives replies with status 0. Returns one Sent per planned request, in plan order.
std::vector<Sent> flood(const Cluster& cluster, const std::vector<Planned>& plan, int phase, const FloodOptions& options = {});

}  // namespace coupon::test
