// ensure_topics against a real cluster: what coupon-server creates at start is what the cluster holds, and
// a second node creates nothing.
#include <catch2/catch.hpp>

#include <csignal>

#include "e2e_fixture.hpp"
#include "real_kafka.hpp"

using namespace coupon::test;

namespace {

std::size_t count_of(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
    return n;
}

}  // namespace

TEST_CASE("realkafka: a node creates the five topics with the seed's settings and a second node creates none",
          "[realkafka]") {
    const auto kafka = RealKafka::from_environment();
    if (!kafka) {
        WARN(kNoClusterMessage);
        return;
    }
    const auto brokers = live_brokers(kafka->bootstrap);
    REQUIRE(brokers.size() >= 3);  // the seed's replication factor 3 is then not clamped
    const TestTopics topics = unique_topics("topics");

    RunningServer first(topics.env(*kafka));
    const std::string first_log = first.process->log();
    for (const auto& name : topics.all()) {
        INFO("topic " << name);
        CHECK(count_of(first_log, "created topic " + name + " (replication factor 3)") == 1);
        const TopicDescription d = describe_topic(kafka->bootstrap, name);
        REQUIRE(d.exists);
        CHECK(d.replicas.size() == 10);
        for (std::size_t p = 0; p < d.replicas.size(); ++p) {
            CHECK(d.replicas[p] == 3);
            CHECK(d.isr[p] == 3);
        }
        CHECK(d.configs.at("min.insync.replicas") == "2");
        CHECK(d.configs.at("retention.ms") == "604800000");  // 7 days
        CHECK(d.configs.at("cleanup.policy") == "delete");
    }

    // A second node on the same topics: every topic found, none created, both serve.
    RunningServer second(topics.env(*kafka));
    const std::string second_log = second.process->log();
    CHECK(count_of(second_log, "created topic") == 0);
    for (const auto& name : topics.all()) CHECK(count_of(second_log, "topic " + name + " exists: not created") == 1);
    CHECK(first.get("/ready").status == 200);
    CHECK(second.get("/ready").status == 200);
    CHECK(second.process->stop(SIGTERM) == 0);
    CHECK(first.process->stop(SIGTERM) == 0);
}
