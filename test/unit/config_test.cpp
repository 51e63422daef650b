// Configuration: file, environment overrides, and errors that name the key.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "coupon/app/config.hpp"

using namespace coupon::app;

namespace {

struct TempYaml {
    std::filesystem::path path;
    explicit TempYaml(const std::string& text) {
        char name[] = "/tmp/coupon-config-XXXXXX";
        const int fd = mkstemp(name);
        REQUIRE(fd >= 0);
        close(fd);
        path = name;
        std::ofstream(path) << text;
    }
    ~TempYaml() { std::filesystem::remove(path); }
};

std::string error_of(const std::string& yaml, const std::map<std::string, std::string>& env = {}) {
    TempYaml file(yaml);
    try {
        load_config(file.path.string(), env);
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "no error";
}

}  // namespace

TEST_CASE("defaults apply without a file, with the seed's settings", "[config]") {
    const Config c = load_config("", {});
    CHECK(c.http.port == 8080);
    CHECK(c.kafka.bootstrap_servers.empty());
    CHECK(c.kafka.producer.at("acks") == "all");
    CHECK(c.kafka.producer.at("compression.codec") == "snappy");
    CHECK(c.kafka.group_id == "coupon-issue-consumer-group");
    CHECK(c.kafka.topics.partitions == 10);
    CHECK(c.database.url == "sqlite:./data/coupons.db");
}

TEST_CASE("the shipped conf file loads and equals the defaults", "[config]") {
    const Config c = load_config(COUPON_SOURCE_DIR "/conf/coupon-server.yaml", {});
    const Config d = load_config("", {});
    CHECK(c.http.port == d.http.port);
    CHECK(c.kafka.topics.issue == d.kafka.topics.issue);
    CHECK(c.kafka.max_poll_records == d.kafka.max_poll_records);
    CHECK(c.kafka.producer == d.kafka.producer);
    CHECK(c.kafka.consumer == d.kafka.consumer);
    CHECK(c.kafka.embedded.backlog_limit_bytes == d.kafka.embedded.backlog_limit_bytes);
    CHECK(c.database.url == d.database.url);
}

TEST_CASE("environment variables override the file", "[config]") {
    TempYaml file("http:\n  port: 9000\nkafka:\n  producer:\n    properties:\n      socket.timeout.ms: 2000\n");
    const Config c = load_config(file.path.string(), {{"COUPON_HTTP_PORT", "9100"},
                                                      {"COUPON_KAFKA_BOOTSTRAP_SERVERS", "k1:9092,k2:9092"},
                                                      {"COUPON_DATABASE_URL", "postgresql://u@db/coupons"},
                                                      {"COUPON_ADMIN_TOKEN", "s3cret-admin-token"},
                                                      {"COUPON_KAFKA_PROPERTIES", "client.id=x, socket.keepalive.enable=true"}});
    CHECK(c.http.port == 9100);
    CHECK(c.kafka.bootstrap_servers == "k1:9092,k2:9092");
    CHECK(c.database.url == "postgresql://u@db/coupons");
    CHECK(c.http.admin_token == "s3cret-admin-token");
    CHECK(c.kafka.common.at("client.id") == "x");
    CHECK(c.kafka.common.at("socket.keepalive.enable") == "true");
    CHECK(c.kafka.producer.at("socket.timeout.ms") == "2000");
    CHECK(load_config("", {{"COUPON_KAFKA_RETRY_MULTIPLIER", "1.5"}}).kafka.retry.multiplier == 1.5);
    const std::string https_hook = "https://hooks.example/coupon-dead-letters";
    CHECK(load_config("", {{"COUPON_KAFKA_DEAD_LETTER_WEBHOOK", https_hook}}).kafka.dead_letter_webhook == https_hook);
}

TEST_CASE("bad values fail at start with the key named", "[config]") {
    CHECK_THAT(error_of("http:\n  port: 70000\n"), Catch::Contains("http.port") && Catch::Contains("out of range"));
    CHECK_THAT(error_of("http:\n  port: eighty\n"), Catch::Contains("http.port") && Catch::Contains("integer"));
    CHECK_THAT(error_of("", {{"COUPON_HTTP_PORT", "x"}}), Catch::Contains("COUPON_HTTP_PORT"));
    CHECK_THAT(error_of("http:\n  prot: 80\n"), Catch::Contains("http.prot") && Catch::Contains("unknown"));
    CHECK_THAT(error_of("kafka:\n  producer:\n    acks: 2\n"), Catch::Contains("kafka.producer.acks"));
    CHECK_THAT(error_of("database:\n  url: mysql://x\n"), Catch::Contains("database.url"));
    CHECK_THAT(error_of("kafka:\n  producer:\n    enable_idempotence: maybe\n"),
               Catch::Contains("kafka.producer.enable_idempotence"));
    CHECK_THAT(error_of("http: [1, 2]\n"), Catch::Contains("http"));
    CHECK_THAT(error_of("http:\n  port: 80\n bad indent\n"), Catch::Contains("line"));
    CHECK_THAT(error_of("admin:\n  token_file: /nonexistent/token\n"), Catch::Contains("admin.token_file"));
    CHECK_THAT(error_of("", {{"COUPON_KAFKA_PROPERTIES", "novalue"}}), Catch::Contains("kafka.properties"));
    CHECK_THAT(error_of("kafka:\n  retry:\n    multiplier: fast\n"), Catch::Contains("kafka.retry.multiplier"));
    CHECK_THAT(error_of("kafka:\n  retry:\n    multiplier: 0.5\n"), Catch::Contains("out of range"));
    CHECK_THAT(error_of("kafka:\n  dead_letter:\n    webhook: ftp://x\n"), Catch::Contains("kafka.dead_letter.webhook"));
}

TEST_CASE("kafka.embedded.backlog_wait_ms: 1 s by default, 0 refuses at once, at most half the answer's wait",
          "[config]") {
    CHECK(load_config("", {}).kafka.embedded.backlog_wait == std::chrono::milliseconds(1000));
    CHECK(load_config("", {{"COUPON_KAFKA_EMBEDDED_BACKLOG_WAIT_MS", "0"}}).kafka.embedded.backlog_wait.count() == 0);
    CHECK(load_config("", {{"COUPON_KAFKA_EMBEDDED_BACKLOG_WAIT_MS", "1400"}}).kafka.embedded.backlog_wait.count() ==
          1400);
    // A request that waited for room keeps half of http.issue_wait_ms (3 s) for its outcome.
    CHECK(load_config("", {{"COUPON_KAFKA_EMBEDDED_BACKLOG_WAIT_MS", "2500"}}).kafka.embedded.backlog_wait.count() ==
          1500);
    CHECK(load_config("", {{"COUPON_HTTP_ISSUE_WAIT_MS", "500"}}).kafka.embedded.backlog_wait.count() == 250);
    CHECK_THAT(error_of("", {{"COUPON_KAFKA_EMBEDDED_BACKLOG_WAIT_MS", "-1"}}),
               Catch::Contains("kafka.embedded.backlog_wait_ms"));
}

TEST_CASE("an admin token shorter than 16 characters is refused at start", "[config]") {
    CHECK_THAT(error_of("", {{"COUPON_ADMIN_TOKEN", "fifteen-chars.."}}),
               Catch::Contains("admin.token") && Catch::Contains("at least 16"));
    CHECK(error_of("", {{"COUPON_ADMIN_TOKEN", "sixteen-chars..."}}) == "no error");
    CHECK(error_of("", {{"COUPON_ADMIN_TOKEN", ""}}) == "no error");  // empty: admin disabled
}

TEST_CASE("auth.mode and its keys", "[config]") {
    CHECK(load_config("", {}).http.auth.mode == coupon::http::AuthConfig::Mode::None);
    CHECK_THAT(error_of("", {{"COUPON_AUTH_MODE", "oauth"}}), Catch::Contains("auth.mode"));
    CHECK_THAT(error_of("", {{"COUPON_AUTH_MODE", "header"}}), Catch::Contains("auth.header"));
    CHECK_THAT(error_of("", {{"COUPON_AUTH_MODE", "header"}, {"COUPON_AUTH_HEADER", "X User"}}),
               Catch::Contains("auth.header"));
    CHECK(error_of("auth:\n  mode: header\n  header: X-User-Id\n") == "no error");
    CHECK_THAT(error_of("", {{"COUPON_AUTH_MODE", "jwt"}}), Catch::Contains("auth.jwt"));
    const std::string key(32, 'k');
    CHECK(error_of("", {{"COUPON_AUTH_MODE", "jwt"}, {"COUPON_AUTH_JWT_SECRET", key}}) == "no error");
    CHECK_THAT(error_of("", {{"COUPON_AUTH_MODE", "jwt"}, {"COUPON_AUTH_JWT_SECRET", key},
                             {"COUPON_AUTH_JWT_PUBLIC_KEY_FILE", "/nonexistent.pem"}}),
               Catch::Contains("auth.jwt.public_key_file"));
    TempYaml secret(key + "\n");
    const Config c = load_config("", {{"COUPON_AUTH_MODE", "jwt"}, {"COUPON_AUTH_JWT_SECRET_FILE", secret.path.string()},
                                      {"COUPON_AUTH_JWT_LEEWAY_S", "5"}, {"COUPON_AUTH_JWT_ADMIN_CLAIM", "roles"}});
    CHECK(c.http.auth.jwt.secret == key);
    CHECK(c.http.auth.jwt.leeway_seconds == 5);
    CHECK(c.http.auth.jwt.user_claim == "sub");
    CHECK(c.http.auth.jwt.admin_claim == "roles");
    CHECK_THAT(error_of("", {{"COUPON_AUTH_JWT_LEEWAY_S", "-1"}}), Catch::Contains("auth.jwt.leeway_s"));
}

TEST_CASE("a YAML key that is not a plain name is a configuration error, not a crash", "[config]") {
    // Found by the config fuzz target (docs/fuzzing.md): yaml-cpp's BadConversion escaped load_config, so the
    // process ended in std::terminate instead of "configuration error: ...".
    CHECK_THAT(error_of("? [a, b]\n: c\n"), Catch::Contains("the top level") && Catch::Contains("plain name"));
    CHECK_THAT(error_of("http:\n  ? {x: 1}\n  : 2\n"), Catch::Contains("http") && Catch::Contains("plain name"));
    CHECK_THAT(error_of("kafka:\n  properties:\n    ? [a]\n    : b\n"), Catch::Contains("kafka.properties"));
    CHECK_THAT(error_of("server:\n  ? \n  : x\n"), Catch::Contains("server"));
}

TEST_CASE("an alias inside its own anchor is a configuration error, not a stack overflow", "[config]") {
    // Found by the config fuzz target: flatten() followed the cycle until the stack overflowed (SIGSEGV).
    CHECK_THAT(error_of("base: &b\n  port: *b\n"), Catch::Contains("nested too deeply"));
    CHECK_THAT(error_of("http: &h {x: {y: *h}}\n"), Catch::Contains("nested too deeply"));
    // An alias that is no cycle still works as YAML says.
    CHECK(error_of("http:\n  port: &p 8\n  threads: *p\n") == "no error");
}

TEST_CASE("a key or value with control characters is named in full, escaped", "[config]") {
    // Found by the config fuzz target: a key starting with NUL ("\0x" in YAML) gave a ConfigError whose
    // message, printed as a C string, was empty.
    CHECK_THAT(error_of("\"\\0x\": 1\n"), Catch::Contains("\\x00x: unknown configuration key"));
    CHECK_THAT(error_of("http:\n  port: \"8\\e0\"\n"), Catch::Contains("http.port") && Catch::Contains("'8\\x1b0'"));
}

TEST_CASE("settings that break the promise are refused at start, typed or raw", "[config]") {
    CHECK_THAT(error_of("kafka:\n  producer:\n    acks: 1\n"), Catch::Contains("kafka.producer.acks"));
    CHECK_THAT(error_of("", {{"COUPON_KAFKA_CONSUMER_AUTO_OFFSET_RESET", "latest"}}),
               Catch::Contains("kafka.consumer.auto_offset_reset"));
    CHECK_THAT(error_of("", {{"COUPON_KAFKA_CONSUMER_PROPERTIES", "enable.auto.commit=true"}}),
               Catch::Contains("kafka.consumer.properties") && Catch::Contains("enable.auto.commit"));
    CHECK_THAT(error_of("", {{"COUPON_KAFKA_PROPERTIES", "acks=0"}}), Catch::Contains("kafka.properties"));
    CHECK_THAT(error_of("", {{"COUPON_KAFKA_PRODUCER_PROPERTIES", "request.required.acks=1"}}),
               Catch::Contains("kafka.producer.properties"));
    CHECK_THAT(error_of("", {{"COUPON_KAFKA_CONSUMER_PROPERTIES", "auto.offset.reset=latest"}}),
               Catch::Contains("auto.offset.reset"));
    // What keeps the promise still loads.
    CHECK(error_of("", {{"COUPON_KAFKA_PRODUCER_ACKS", "-1"},
                        {"COUPON_KAFKA_CONSUMER_PROPERTIES", "enable.auto.commit=false,auto.offset.reset=earliest"}}) ==
          "no error");
}

TEST_CASE("every key is documented with its environment variable", "[config]") {
    const auto keys = config_keys();
    REQUIRE(keys.size() > 40);
    bool found = false;
    for (const auto& k : keys) {
        CHECK_FALSE(k.help.empty());
        if (k.key == "kafka.bootstrap_servers") {
            found = true;
            CHECK(k.env == "COUPON_KAFKA_BOOTSTRAP_SERVERS");
        }
    }
    CHECK(found);
}

TEST_CASE("http.limits: off by default, set from the file or the environment, a rate needs a burst", "[config]") {
    const Config d = load_config("", {});
    CHECK(d.http.limits.per_user.rate == 0);
    CHECK(d.http.limits.per_address.rate == 0);
    CHECK(d.http.limits.max_keys == 100000);
    const Config shipped = load_config(COUPON_SOURCE_DIR "/conf/coupon-server.yaml", {});
    CHECK(shipped.http.limits.per_user.rate == 0);
    CHECK(shipped.http.limits.max_keys == d.http.limits.max_keys);

    TempYaml file("http:\n  limits:\n    per_user:\n      rate: 0.5\n      burst: 3\n    max_keys: 5000\n");
    const Config c = load_config(file.path.string(), {{"COUPON_HTTP_LIMITS_PER_ADDRESS_RATE", "20"},
                                                      {"COUPON_HTTP_LIMITS_PER_ADDRESS_BURST", "40"}});
    CHECK(c.http.limits.per_user.rate == 0.5);
    CHECK(c.http.limits.per_user.burst == 3);
    CHECK(c.http.limits.per_address.rate == 20);
    CHECK(c.http.limits.per_address.burst == 40);
    CHECK(c.http.limits.max_keys == 5000);

    CHECK_THAT(error_of("http:\n  limits:\n    per_user:\n      rate: 1\n"),
               Catch::Contains("http.limits.per_user.burst: must be at least 1 when http.limits.per_user.rate is set"));
    CHECK_THAT(error_of("", {{"COUPON_HTTP_LIMITS_PER_ADDRESS_RATE", "-1"}}),
               Catch::Contains("http.limits.per_address.rate") && Catch::Contains("out of range"));
    CHECK_THAT(error_of("", {{"COUPON_HTTP_LIMITS_MAX_KEYS", "0"}}),
               Catch::Contains("http.limits.max_keys") && Catch::Contains("out of range"));
}
