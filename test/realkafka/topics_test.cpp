// ensure_topics against a real cluster: what coupon-server creates at start is what the cluster holds, a
// second node creates nothing, and a 1-broker cluster gets (and is told about) a clamped replication factor.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

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
    const auto kafka = cluster_or_skip();
    if (!kafka) return;
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

namespace {

// A second, 1-broker cluster of this test's own (scripts/kafkatmp start 1), stopped by the destructor.
struct OneBrokerCluster {
    std::string dir, bootstrap;
    OneBrokerCluster() {
        FILE* out = ::popen((std::string(COUPON_KAFKATMP_SCRIPT) + " start 1").c_str(), "r");
        if (!out) throw std::runtime_error("cannot run kafkatmp");
        char buffer[1024];
        std::string text;
        while (std::fgets(buffer, sizeof buffer, out)) text += buffer;
        const int status = ::pclose(out);
        // export KAFKATMP_DIR=<dir> COUPON_KAFKA_BOOTSTRAP_SERVERS=<list>
        const auto d = text.find("KAFKATMP_DIR="), b = text.find("COUPON_KAFKA_BOOTSTRAP_SERVERS=");
        if (status != 0 || d == std::string::npos || b == std::string::npos) {
            throw std::runtime_error("kafkatmp start 1 failed: " + text);
        }
        dir = text.substr(d + 13, text.find(' ', d) - d - 13);
        bootstrap = text.substr(b + 31, text.find_first_of(" \n", b) - b - 31);
    }
    ~OneBrokerCluster() {
        const std::string stop = std::string(COUPON_KAFKATMP_SCRIPT) + " stop " + dir;
        if (std::system(stop.c_str()) != 0) WARN("could not stop " << dir);
    }
};

}  // namespace

TEST_CASE("realkafka: on a 1-broker cluster the replication factor is clamped to 1 and the log says so",
          "[realkafka]") {
    if (!cluster_or_skip()) return;
    const auto start = std::chrono::steady_clock::now();
    OneBrokerCluster single;
    WARN("1-broker cluster started in "
         << std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() << " s");
    const RealKafka kafka{single.bootstrap, single.dir};
    const TestTopics topics = unique_topics("clamp");
    RunningServer server(topics.env(kafka));
    const std::string log = server.process->log();
    CHECK(count_of(log, "the cluster has 1 broker(s): topics are created with replication factor 1, not 3") == 1);
    for (const auto& name : topics.all()) {
        INFO("topic " << name);
        CHECK(count_of(log, "created topic " + name + " (replication factor 1)") == 1);
        const TopicDescription d = describe_topic(kafka.bootstrap, name);
        REQUIRE(d.exists);
        CHECK(d.replicas.size() == 10);
        CHECK(std::all_of(d.replicas.begin(), d.replicas.end(), [](int r) { return r == 1; }));
        CHECK(d.configs.at("min.insync.replicas") == "1");
    }
    CHECK(server.process->stop(SIGTERM) == 0);
}
