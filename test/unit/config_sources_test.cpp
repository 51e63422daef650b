// One source for every setting (issue 9 item 1): the defaults live in the modules' config structs only.
// The shipped conf/coupon-server.yaml and --help are derived or checked here, so they cannot drift from
// the code; the typed Kafka keys land in the librdkafka maps the clients are built from.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <charconv>
#include <set>

#include "cli.hpp"
#include "config_binder.hpp"
#include "client_config.hpp"
#include "coupon/app/config.hpp"

using namespace coupon::app;

namespace {

const std::string kShipped = COUPON_SOURCE_DIR "/conf/coupon-server.yaml";

// The same value written two ways: "2.0" in the file, "2" from fmt.
bool same_value(const std::string& file, const std::string& code) {
    if (file == code) return true;
    double a = 0, b = 0;
    const auto [ea, ca] = std::from_chars(file.data(), file.data() + file.size(), a);
    const auto [eb, cb] = std::from_chars(code.data(), code.data() + code.size(), b);
    return ca == std::errc{} && cb == std::errc{} && ea == file.data() + file.size() &&
           eb == code.data() + code.size() && a == b;
}

}  // namespace

TEST_CASE("the shipped YAML holds every key, each with the code's default, and nothing else", "[config]") {
    const FlatYaml shipped = read_yaml_file(kShipped);
    std::set<std::string> documented;
    for (const KeyInfo& k : config_keys()) {
        INFO(k.key);
        documented.insert(k.key);
        if (k.default_value == "{}") {  // a raw property map: shipped empty
            REQUIRE(shipped.property_maps.contains(k.key));
            CHECK(shipped.property_maps.at(k.key).empty());
            continue;
        }
        REQUIRE(shipped.scalars.contains(k.key));
        CHECK(same_value(shipped.scalars.at(k.key), k.default_value));
    }
    for (const auto& [key, value] : shipped.scalars) {
        INFO(key);
        CHECK(documented.contains(key));
    }
    for (const auto& [key, value] : shipped.property_maps) {
        INFO(key);
        CHECK(documented.contains(key));
    }
}

TEST_CASE("--help lists every key with its variable and default", "[config]") {
    const std::string help = usage_text();
    for (const KeyInfo& k : config_keys()) {
        INFO(k.key);
        const std::string shown = k.default_value.empty() ? "\"\"" : k.default_value;
        CHECK_THAT(help, Catch::Contains(fmt::format("  {:<38} {:<44} {}\n", k.key, k.env, shown)));
    }
}

TEST_CASE("a default shown is the module's own default", "[config]") {
    // --help reads the structs the modules are built from: change a module default and --help follows.
    const coupon::messaging::KafkaConfig kafka;
    const coupon::http::HttpConfig http;
    for (const KeyInfo& k : config_keys()) {
        if (k.key == "kafka.producer.linger_ms") CHECK(k.default_value == kafka.producer.at("linger.ms"));
        if (k.key == "kafka.consumer.session_timeout_ms") {
            CHECK(k.default_value == kafka.consumer.at("session.timeout.ms"));
        }
        if (k.key == "kafka.topics.partitions") CHECK(k.default_value == std::to_string(kafka.topics.partitions));
        if (k.key == "http.issue_wait_ms") CHECK(k.default_value == std::to_string(http.issue_wait.count()));
    }
}

TEST_CASE("typed Kafka keys set the librdkafka properties, raw properties win over them", "[config]") {
    const Config c = load_config("", {{"COUPON_KAFKA_PRODUCER_LINGER_MS", "7"},
                                      {"COUPON_KAFKA_PRODUCER_BUFFER_MEMORY", "1048576"},
                                      {"COUPON_KAFKA_PRODUCER_ENABLE_IDEMPOTENCE", "off"},
                                      {"COUPON_KAFKA_CONSUMER_SESSION_TIMEOUT_MS", "12000"},
                                      {"COUPON_KAFKA_CONSUMER_PROPERTIES", "heartbeat.interval.ms=900"},
                                      {"COUPON_KAFKA_CONSUMER_HEARTBEAT_INTERVAL_MS", "2000"}});
    CHECK(c.kafka.producer.at("linger.ms") == "7");
    CHECK(c.kafka.producer.at("queue.buffering.max.kbytes") == "1024");
    CHECK(c.kafka.producer.at("enable.idempotence") == "false");
    CHECK(c.kafka.consumer.at("session.timeout.ms") == "12000");
    CHECK(c.kafka.consumer.at("heartbeat.interval.ms") == "900");
}

TEST_CASE("fetch.wait.max.ms is the embedded broker's setting only", "[config]") {
    // It was always set, real cluster or not; a real broker answers a fetch as soon as records arrive.
    const Config real = load_config("", {{"COUPON_KAFKA_BOOTSTRAP_SERVERS", "k1:9092"}});
    CHECK_FALSE(real.kafka.consumer.contains("fetch.wait.max.ms"));
    CHECK_FALSE(real.kafka.embedded_broker);
    const Config embedded = load_config("", {{"COUPON_KAFKA_EMBEDDED_FETCH_WAIT_MAX_MS", "25"}});
    CHECK(embedded.kafka.embedded_broker);
    CHECK(embedded.kafka.embedded.fetch_wait_max.count() == 25);
    // The old key says where it went.
    const FlatYaml old_key = read_yaml_text("kafka:\n  consumer:\n    fetch_wait_max_ms: 10\n", "test");
    CHECK_THROWS_WITH(load_config(old_key, {}), Catch::Contains("moved to kafka.embedded.fetch_wait_max_ms"));
    CHECK_THROWS_WITH(load_config(FlatYaml{}, {{"COUPON_KAFKA_CONSUMER_FETCH_WAIT_MAX_MS", "10"}}),
                      Catch::Contains("moved to kafka.embedded.fetch_wait_max_ms"));
}

TEST_CASE("values that follow from others are derived once", "[config]") {
    const Config c = load_config("", {{"COUPON_SERVER_SHUTDOWN_TIMEOUT_MS", "4000"},
                                      {"COUPON_KAFKA_BOOTSTRAP_SERVERS", "k1:9092"}});
    CHECK(c.http.drain_timeout.count() == 4000);
    CHECK(c.kafka.shutdown_drain.count() == 4000);
    CHECK(c.database.sqlite_full_sync);  // records outlive the process: commits must outlive an OS crash
    CHECK_FALSE(load_config("", {}).database.sqlite_full_sync);
}

TEST_CASE("log.level and log.format, server.log_level says where it moved", "[config]") {
    const Config c = load_config("", {{"COUPON_LOG_LEVEL", "debug"}, {"COUPON_LOG_FORMAT", "json"}});
    CHECK(c.log.level == "debug");
    CHECK(c.log.format == "json");
    CHECK_THROWS_WITH(load_config("", {{"COUPON_LOG_FORMAT", "xml"}}), Catch::Contains("log.format"));
    CHECK_THROWS_WITH(load_config(read_yaml_text("server:\n  log_level: warn\n", "test"), {}),
                      Catch::Contains("server.log_level: this key moved to log.level"));
}

TEST_CASE("a group member's session on the embedded broker is capped, on a real cluster it is as configured", "[config]") {
    auto property = [](const coupon::messaging::KafkaConfig& kafka, const char* name) {
        const auto conf = coupon::messaging::make_conf(kafka, coupon::messaging::ClientRole::GroupConsumer);
        char value[64];
        std::size_t size = sizeof value;
        REQUIRE(rd_kafka_conf_get(conf.get(), name, value, &size) == RD_KAFKA_CONF_OK);
        return std::string(value);
    };
    const Config embedded = load_config("", {});
    REQUIRE(embedded.kafka.embedded_broker);
    CHECK(property(embedded.kafka, "session.timeout.ms") == "6000");  // the seed's 30000, capped
    CHECK(property(embedded.kafka, "heartbeat.interval.ms") == "1000");
    // Shorter sessions are kept (the cluster tier's 3 s), and so is a heartbeat already shorter.
    const Config short_session = load_config("", {{"COUPON_KAFKA_CONSUMER_SESSION_TIMEOUT_MS", "3000"},
                                                  {"COUPON_KAFKA_CONSUMER_HEARTBEAT_INTERVAL_MS", "200"}});
    CHECK(property(short_session.kafka, "session.timeout.ms") == "3000");
    CHECK(property(short_session.kafka, "heartbeat.interval.ms") == "200");
    const Config raised = load_config("", {{"COUPON_KAFKA_EMBEDDED_SESSION_TIMEOUT_MAX_MS", "12000"}});
    CHECK(property(raised.kafka, "session.timeout.ms") == "12000");
    CHECK(property(raised.kafka, "heartbeat.interval.ms") == "2000");
    const Config real = load_config("", {{"COUPON_KAFKA_BOOTSTRAP_SERVERS", "k1:9092"}});
    CHECK(property(real.kafka, "session.timeout.ms") == "30000");
    CHECK(property(real.kafka, "heartbeat.interval.ms") == "3000");
}
