#pragma once
// A flood of POSTs in waves against one coupon-server on the real cluster while the test does something to a
// broker, and the audit afterwards (broker_failure_test.cpp, idempotent_producer_test.cpp): 503 the only
// 5xx, every request with an id settled exactly once, no request id twice on the issue topic, every
// confirmed acceptance on it, and the database agreeing with the topic.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "e2e_fixture.hpp"
#include "real_kafka.hpp"

namespace coupon::test {

struct WaveReply {
    int user = 0;
    HttpReply reply;
};

struct Waves {
    int waves = 0, per_wave = 0, users = 0;  // users cycle 1..users: later waves repeat them (ALREADY_ISSUED)
    std::function<void(int wave)> before_wave;
};
// Each wave's POSTs all in flight at once; a WARN line per wave (time, statuses).
std::vector<WaveReply> post_waves(const RunningServer& server, std::int64_t policy, const Waves& waves);

// The request's status once it is settled: a final outcome, or NOT_QUEUED (the broker never stored it);
// "unsettled (<status>)" at the deadline.
std::string settled_status(const RunningServer& server, const std::string& id, int seconds);

// Seconds until `node` is in the metadata again and every replica of `topic` is in sync; -1 at the deadline.
double wait_recovered(const RealKafka& kafka, const std::string& topic, int node, int seconds);

// The partition the first waves filled (every request of one policy has its key) and its leader (a kafkatmp
// node id).
std::pair<int, int> hot_partition_leader(const RealKafka& kafka, const std::string& topic);

struct FloodAudit {
    std::size_t accepted = 0, unconfirmed = 0, topic_records = 0, topic_ids = 0;
    std::map<std::string, int> outcomes;
    std::string summary() const;
};
// Runs every check named at the top of this file (Catch2 CHECKs) and returns the counts.
FloodAudit audit_flood(const RealKafka& kafka, const TestTopics& topics, const RunningServer& server,
                       std::int64_t policy, std::int64_t stock, const std::vector<WaveReply>& replies);

}  // namespace coupon::test
