#pragma once
// The Apache Kafka cluster of the realkafka tier (scripts/kafkatmp, started by scripts/test) seen from a
// test: its address, topics of a test's own, and what the cluster says about them, read with librdkafka's
// C API directly (metadata, DescribeConfigs, a plain consumer), independent of coupon-server's code.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace coupon::test {

// Printed (Catch2 WARN) by a test that does not run because no cluster was given.
inline constexpr const char* kNoClusterMessage =
    "SKIPPED: COUPON_KAFKA_BOOTSTRAP_SERVERS is not set; run eval \"$(scripts/kafkatmp start 3)\" first "
    "(scripts/test does)";

struct RealKafka {
    std::string bootstrap;  // COUPON_KAFKA_BOOTSTRAP_SERVERS
    std::string dir;        // KAFKATMP_DIR: empty when the cluster is not a kafkatmp one (no fault tests)

    static std::optional<RealKafka> from_environment();
    // scripts/kafkatmp <command> <dir> <node>: kill-broker, start-broker, pause-broker, resume-broker.
    void broker(const std::string& command, int node) const;
};

// The cluster a test runs against, or nullopt after a Catch2 WARN saying why the test is skipped: no cluster
// given, or (realkafka_pg_tests) no PostgreSQL.
inline std::optional<RealKafka> cluster_or_skip() {
    auto kafka = RealKafka::from_environment();
    if (!kafka) {
        WARN(kNoClusterMessage);
        return std::nullopt;
    }
#ifdef COUPON_REALKAFKA_PG
    if (!std::getenv("COUPON_TEST_PG_URL")) {
        WARN("SKIPPED: COUPON_TEST_PG_URL is not set (eval \"$(scripts/pgtmp start)\"; scripts/test does)");
        return std::nullopt;
    }
#endif
    return kafka;
}

// Topic names and a consumer group of one test's own, so tests share the cluster without sharing records.
struct TestTopics {
    std::string issue, retry_1, retry_2, dlt, results, group;
    std::vector<std::string> all() const { return {issue, retry_1, retry_2, dlt, results}; }
    // The server's settings for them (and for the cluster), as environment entries for RunningServer.
    std::map<std::string, std::string> env(const RealKafka& kafka) const;
};
TestTopics unique_topics(const std::string& tag);

struct TopicDescription {
    bool exists = false;
    std::vector<int> replicas;  // per partition
    std::vector<int> isr;       // per partition
    std::vector<int> leaders;   // per partition (broker id = kafkatmp node)
    std::map<std::string, std::string> configs;  // DescribeConfigs: every config entry of the topic
};
TopicDescription describe_topic(const std::string& bootstrap, const std::string& topic);

// Broker ids the cluster's metadata lists.
std::vector<int> live_brokers(const std::string& bootstrap);

struct KafkaRecord {
    int partition = -1;
    std::int64_t offset = -1;
    std::int64_t timestamp_ms = -1;
    std::string key, value;
    std::map<std::string, std::string> headers;
};
// Every record of `topic` up to the high watermarks of the moment (bounded by `timeout`).
std::vector<KafkaRecord> read_topic_records(const std::string& bootstrap, const std::string& topic,
                                            std::chrono::milliseconds timeout = std::chrono::seconds(30));
// High watermark per partition.
std::vector<std::int64_t> high_watermarks(const std::string& bootstrap, const std::string& topic, int partitions);

}  // namespace coupon::test
