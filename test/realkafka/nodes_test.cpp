// Several coupon-server nodes on the real cluster, one consumer group on a real group coordinator: two nodes
// take a flood, a third joins in the middle of it, then one is killed (SIGKILL) in the middle of another.
// The cluster tier's audit (test/cluster/invariants.hpp) runs against the real topic and PostgreSQL, and the
// rebalance times (join, takeover after the kill) are printed.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <sstream>
#include <thread>

#include "cluster_fixture.hpp"
#include "flood.hpp"
#include "invariants.hpp"
#include "ownership.hpp"
#include "real_kafka.hpp"

using namespace coupon::test;

namespace {

// Seconds until the logs of `nodes` report `partitions` newly assigned partitions of `topic` in all (counted
// from each log's size at `marks`); -1 at the deadline.
double wait_assigned(const Cluster& cluster, const std::vector<int>& nodes, const std::vector<std::size_t>& marks,
                     const std::string& topic, int partitions, Clock::time_point since, int seconds) {
    while (seconds_since(since) < seconds) {
        int total = 0;
        for (std::size_t i = 0; i < nodes.size(); ++i) {
            total += assigned_partitions(cluster.node_log(nodes[i]), marks[i], topic);
        }
        if (total >= partitions) return seconds_since(since);
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return -1;
}

// Seconds from `log`'s first line to its first line containing both needles, from the lines' own times
// ("2026-11-29T07:03:31.123Z ..."): independent of when the test looked. -1 when either is missing.
double log_span_seconds(const std::string& log, const std::string& needle, const std::string& also) {
    const auto time_of = [](const std::string& line) -> double {
        int h = 0, mi = 0, sec = 0, ms = 0;
        if (line.size() < 24 || std::sscanf(line.c_str() + 11, "%d:%d:%d.%dZ", &h, &mi, &sec, &ms) != 4) return -1;
        return ((h * 60 + mi) * 60 + sec) + ms / 1000.0;
    };
    std::istringstream lines(log);
    double first = -1;
    for (std::string line; std::getline(lines, line);) {
        if (first < 0) first = time_of(line);
        if (line.find(needle) != std::string::npos && line.find(also) != std::string::npos) {
            const double at = time_of(line);
            return first < 0 || at < 0 ? -1 : std::fmod(at - first + 86400, 86400);
        }
    }
    return -1;
}

}  // namespace

TEST_CASE("realkafka: three nodes share the cluster: one joins and one is killed mid-flood and the audit holds",
          "[realkafka][nodes]") {
    const auto kafka = cluster_or_skip();
    if (!kafka) return;
    const TestTopics topics = unique_topics("nodes");
    ClusterOptions options;
    options.bootstrap = kafka->bootstrap;
    options.node_env = topics.env(*kafka);
    const auto test_start = Clock::now();
    Cluster cluster(options);
    cluster.start_nodes({1, 2});
    const double startup = seconds_since(test_start);

    const std::int64_t p1 = cluster.create_policy(1, "stock 40", 40);
    const std::int64_t p2 = cluster.create_policy(2, "stock 80", 80);
    const std::int64_t large = cluster.create_policy(1, "stock 100000", 100000);
    const std::vector<PolicySpec> policies{{p1, 40, PolicySpec::Kind::Open},
                                           {p2, 80, PolicySpec::Kind::Open},
                                           {large, 100000, PolicySpec::Kind::Open}};
    std::mt19937_64 rng(20261129);
    const auto plan1 = make_plan(rng, 600, 500, {{p1, 0.3}, {p2, 0.3}, {large, 0.4}}, {1, 2});
    const auto plan2 = make_plan(rng, 600, 500, {{p1, 0.1}, {p2, 0.3}, {large, 0.6}}, {1, 2, 3});

    // Node 3 joins while the first flood runs (spawned here: a node dies with the thread that spawned it).
    const auto join_start = Clock::now();
    cluster.spawn_nodes({3});
    FloodOptions spread;
    spread.wave = 25;
    spread.pause_ms = 400;  // the flood lasts through the join (about 8 s; node 3 has its share in 2 to 3 s)
    auto sent = flood(cluster, plan1, 1, spread);
    const double first_flood = seconds_since(join_start);
    cluster.wait_ready({3});
    // The join: until node 3 reports its share of the issue topic's 10 partitions (waited for here, timed by
    // node 3's own log: its first line to its first assign).
    REQUIRE(wait_assigned(cluster, {3}, {0}, cluster.issue_topic(), 1, join_start, 60) >= 0);
    const double joined =
        log_span_seconds(cluster.node_log(3), "] assigned ", " partition(s) of " + cluster.issue_topic() + ": ");
    const int node3_partitions = assigned_partitions(cluster.node_log(3), 0, cluster.issue_topic());

    // Node 2 is killed 30 ms into its second wave of the next flood; nodes 1 and 3 take its partitions over
    // once the coordinator has given up on it (session.timeout.ms 6 s in the fixture).
    std::vector<std::size_t> before_kill;
    Clock::time_point killed_at{};
    std::thread killer;
    FloodOptions kill_in_flight;
    kill_in_flight.wave = 50;
    kill_in_flight.before_wave = [&](int node, int wave) {
        if (node == 2 && wave == 1) {
            before_kill = {cluster.node_log(1).size(), cluster.node_log(3).size()};
            killer = std::thread([&] {
                std::this_thread::sleep_for(std::chrono::milliseconds(30));
                killed_at = Clock::now();
                cluster.kill_node(2);
            });
        }
    };
    auto more = flood(cluster, plan2, 2, kill_in_flight);
    if (killer.joinable()) killer.join();
    REQUIRE_FALSE(cluster.alive(2));
    REQUIRE(before_kill.size() == 2);
    sent.insert(sent.end(), more.begin(), more.end());
    const double taken_over = wait_assigned(cluster, {1, 3}, before_kill, cluster.issue_topic(), 1, killed_at, 60);
    // The rebalances on the real coordinator, from every node's assign and revoke lines (the cluster tier's
    // reading): the longest time a partition some node gave back had no owner. Node 2's partitions have no
    // revoke line (SIGKILL): for them, taken_over above.
    const Ownership ownership = issue_topic_ownership(
        {cluster.node_log(1), cluster.node_log(2), cluster.node_log(3)}, cluster.issue_topic());

    VerifyOptions verify_options;
    verify_options.crashed_nodes = {2};
    const Report report = verify(cluster, policies, sent, verify_options);
    WARN(fmt::format("[real Kafka, 3 nodes] startup {:.1f}s; node 3 started with a {:.1f}s flood: partitions "
                     "assigned {:.1f}s after its start ({} of 10); node 2 killed: its partitions taken over {:.1f}s "
                     "after the kill; longest time a revoked partition had no owner {:.3f}s (partition {}, {} "
                     "gaps); total {:.1f}s\n{}",
                     startup, first_flood, joined, node3_partitions, taken_over, ownership.longest_unowned_seconds,
                     ownership.longest_partition, ownership.gaps, seconds_since(test_start), report.summary()));
    if (!report.ok()) cluster.mark_failed();
    CHECK(report.failures.empty());
    CHECK(joined >= 0);
    CHECK(node3_partitions > 0);
    CHECK(taken_over >= 0);
    // Not checked: ownership.still_unowned. With a member killed mid-rebalance the reading can end with a
    // partition whose last line is a revoke (1 run in 3), which test/cluster/ownership.hpp says it is not
    // meant for; the audit above is what proves nothing was lost.
    CHECK(ownership.gaps > 0);  // the join and the kill did move partitions
    // The floods exercised what they claim to.
    // A user's repeated claims are answered at the edge once a node has read the user's coupon (269 of 1,200
    // in one run, docs/edge-answers.md), so fewer reach the broker than before.
    CHECK(report.accepted + report.edge_answers > 500);
    CHECK(report.accepted > 300);
    CHECK(report.issued.at(p1) == 40);
    CHECK(report.issued.at(p2) == 80);
    CHECK(report.issued.at(large) > 100);
}
