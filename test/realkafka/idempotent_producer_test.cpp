// The idempotent producer on a real cluster: the leader of the hot partition hangs (SIGSTOP) in the middle of a
// flood, long enough for produce requests in flight to it to time out and be sent again, and then comes back
// (SIGCONT) still the leader. The issue topic holds no request id twice, and every accepted request has exactly
// one outcome. Measured: the same test with COUPON_KAFKA_PRODUCER_ENABLE_IDEMPOTENCE=false in its environment
// finds 120 of 300 requests stored twice (every request sent during the hang); with the idempotent producer, none.
#include <catch2/catch.hpp>

#include <csignal>
#include <sstream>
#include <thread>

#include "e2e_fixture.hpp"
#include "flood_audit.hpp"
#include "real_kafka.hpp"

using namespace coupon::test;

namespace {

// Resumes the paused broker however the test ends.
struct BrokerResumed {
    const RealKafka& kafka;
    int node = 0;
    void resume() {
        if (node == 0) return;
        kafka.broker("resume-broker", node);
        node = 0;
    }
    ~BrokerResumed() {
        try {
            resume();
        } catch (...) {
        }
    }
};

}  // namespace

TEST_CASE("realkafka: the hot partition's leader hangs mid-flood: produce requests time out and are retried "
          "without a duplicate",
          "[realkafka]") {
    const auto kafka = cluster_or_skip();
    if (!kafka) return;
    REQUIRE_FALSE(kafka->dir.empty());  // the fault needs scripts/kafkatmp's cluster
    const TestTopics topics = unique_topics("pause");
    auto env = topics.env(*kafka);
    // A produce request in flight times out on the client after socket.timeout.ms (librdkafka; its
    // request.timeout.ms is only the broker's ack wait): 2.5 s instead of 60 s, so requests to the hung leader
    // time out during the pause. The delivery timeout stays the seed's 120 s, so the producer sends them
    // again (same producer id and sequence numbers) instead of failing them.
    env["COUPON_KAFKA_PRODUCER_PROPERTIES"] = "socket.timeout.ms=2500";
    RunningServer server(env);
    constexpr int kStock = 300, kUsers = 600, kWave = 60, kWaves = 10, kPauseAfter = 2;
    // Longer than the client's timeout (2.5 s), so requests in flight time out and are sent again on a new
    // connection, and shorter than the broker's session (9 s), so the hung broker is still the leader when it
    // comes back and reads what was sent to it meanwhile: the first copy and the retry both reach the leader.
    constexpr auto kPause = std::chrono::seconds(6);
    const std::int64_t policy = server.create_policy(kStock);

    BrokerResumed paused{*kafka};
    std::thread resumer;
    int paused_node = 0;
    Waves waves{kWaves, kWave, kUsers, [&](int wave) {
        if (wave != kPauseAfter) return;
        const auto [hot, leader] = hot_partition_leader(*kafka, topics.issue);
        REQUIRE(leader > 0);
        kafka->broker("pause-broker", leader);
        paused.node = leader;
        paused_node = leader;
        WARN("paused broker " << leader << ", leader of hot partition " << hot << " after " << wave << " waves");
        resumer = std::thread([&paused, kPause] {
            std::this_thread::sleep_for(kPause);
            try {
                paused.resume();
            } catch (...) {
            }
        });
    }};
    std::vector<WaveReply> replies;
    try {
        replies = post_waves(server, policy, waves);
    } catch (...) {
        if (resumer.joinable()) resumer.join();
        throw;
    }
    if (resumer.joinable()) resumer.join();
    REQUIRE(paused.node == 0);  // resumed
    const double recovered = wait_recovered(*kafka, topics.issue, paused_node, 120);
    WARN("broker " << paused_node << " paused " << kPause.count() << " s; every replica of the issue topic in sync "
                   << recovered << " s after the last wave");
    CHECK(recovered >= 0);

    // The producer did time out requests in flight to the hung broker (librdkafka's REQTMOUT warning from the
    // producer's handle, "coupon-server#producer-N"): the flood exercised the retry it claims to.
    const std::string log = server.process->log();
    std::size_t producer_timeouts = 0;
    std::istringstream lines(log);
    for (std::string line; std::getline(lines, line);) {
        if (line.find("#producer-") != std::string::npos && line.find("Timed out") != std::string::npos) {
            ++producer_timeouts;
        }
    }
    INFO("server log:\n" << log);
    WARN(producer_timeouts << " log line(s) of the producer timing out requests in flight");
    CHECK(producer_timeouts > 0);

    const FloodAudit audit = audit_flood(*kafka, topics, server, policy, kStock, replies);
    WARN(audit.summary());
    CHECK(audit.topic_records == audit.topic_ids);
    CHECK(server.process->stop(SIGTERM) == 0);
}
