// A broker crash under load: the leader of the hot partition (every request of one policy has its key, so
// one partition) is killed with SIGKILL in the middle of a flood and started again later. Every accepted
// request still ends with exactly one outcome, nothing is issued twice, 503 is the only 5xx, and the stall
// (how long no request was decided) is printed.
#include <catch2/catch.hpp>

#include <algorithm>
#include <csignal>
#include <thread>

#include "e2e_fixture.hpp"
#include "flood_audit.hpp"
#include "real_kafka.hpp"

using namespace coupon::test;

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Restarts the killed broker however the test ends, so the tests after it find three brokers.
struct BrokerBack {
    const RealKafka& kafka;
    int node = 0;
    ~BrokerBack() {
        if (node == 0) return;
        try {
            kafka.broker("start-broker", node);
        } catch (...) {
        }
    }
};

}  // namespace

TEST_CASE("realkafka: the hot partition's leader is killed mid-flood and restarted: every accepted request ends once",
          "[realkafka]") {
    const auto kafka = cluster_or_skip();
    if (!kafka) return;
    REQUIRE_FALSE(kafka->dir.empty());  // the fault needs scripts/kafkatmp's cluster
    const TestTopics topics = unique_topics("brokerkill");
    RunningServer server(topics.env(*kafka));
    // Users come back in the later waves (ALREADY_ISSUED), so requests still go through Kafka after the restart.
    constexpr int kStock = 1000, kUsers = 1000, kWave = 100, kWaves = 16, kKillAfter = 3, kRestartAfter = 7;
    const std::int64_t policy = server.create_policy(kStock);

    BrokerBack back{*kafka};
    Clock::time_point killed_at{};
    std::int64_t killed_at_ms = 0;  // wall clock, to compare with record timestamps
    std::thread restarter;
    double restart_seconds = 0;
    Waves waves{kWaves, kWave, kUsers, [&](int wave) {
        if (wave == kKillAfter) {
            const auto [hot, leader] = hot_partition_leader(*kafka, topics.issue);
            REQUIRE(leader > 0);
            kafka->broker("kill-broker", leader);
            killed_at = Clock::now();
            killed_at_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch()).count();
            back.node = leader;
            WARN("killed broker " << leader << ", leader of hot partition " << hot << " after " << wave << " waves");
        }
        if (wave == kRestartAfter) {
            // In the background: a broker killed with SIGKILL recovers its logs before it serves (tens of
            // seconds on a loaded machine), and the flood goes on meanwhile.
            WARN("restarting broker " << back.node << " " << since(killed_at) << " s after the kill");
            restarter = std::thread([&kafka, node = back.node, &restart_seconds] {
                const auto restart = Clock::now();
                try {
                    kafka->broker("start-broker", node);
                    restart_seconds = since(restart);
                } catch (...) {
                    restart_seconds = -1;
                }
            });
        }
    }};
    const auto replies = post_waves(server, policy, waves);
    if (restarter.joinable()) restarter.join();
    WARN("broker start after the kill took " << restart_seconds << " s (until its port answered)");
    const int node = back.node;
    const double recovered = wait_recovered(*kafka, topics.issue, node, 120);
    WARN("broker " << node << " back in the metadata and every replica of the issue topic in sync "
                   << recovered << " s after the last wave");
    back.node = 0;
    CHECK(recovered >= 0);

    const FloodAudit audit = audit_flood(*kafka, topics, server, policy, kStock, replies);
    WARN(audit.summary());
    // The stall: the longest time in which no request was decided, from the result topic's timestamps.
    std::vector<std::int64_t> decided;
    for (const auto& r : read_topic_records(kafka->bootstrap, topics.results)) decided.push_back(r.timestamp_ms);
    std::sort(decided.begin(), decided.end());
    std::int64_t stall = 0;
    for (std::size_t i = 1; i < decided.size(); ++i) stall = std::max(stall, decided[i] - decided[i - 1]);
    const auto after = std::upper_bound(decided.begin(), decided.end(), killed_at_ms);
    WARN("longest time without a decision (result topic): " << stall << " ms; first decision after the kill "
         << (after == decided.end() ? -1 : *after - killed_at_ms) << " ms after it; " << decided.size() << " results");
    CHECK(server.process->stop(SIGTERM) == 0);
}
