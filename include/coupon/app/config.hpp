#pragma once
// The whole configuration as plain structs with defaults (STYLE item 10). Filled from one YAML file plus
// environment overrides by load_config(); only the app module reads it and hands each module its part.
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace coupon::app {

// A configuration problem found at start-up. The message names the key and where the value came from.
// Control characters in the message (a key or value quoted from the file or a variable) are written as \xNN:
// a NUL would otherwise cut the message where it is printed, even to nothing (a fuzz finding).
class ConfigError : public std::runtime_error {
public:
    explicit ConfigError(const std::string& message);
};

using Properties = std::map<std::string, std::string>;

struct ServerSettings {
    std::string data_dir = "./data";
    std::string log_level = "info";
    std::int64_t shutdown_timeout_ms = 10000;
};

struct BucketSettings {
    double rate = 0;  // per second; 0: off
    std::int64_t burst = 0;
};

// Token buckets on POST /api/coupons/{userId} (docs/edge-limits.md).
struct LimitSettings {
    BucketSettings per_user;
    BucketSettings per_address;
    std::int64_t max_keys = 100000;
};

struct HttpSettings {
    std::string address = "0.0.0.0";
    std::int64_t port = 8080;
    std::int64_t threads = 2;
    std::int64_t body_limit_bytes = 16 * 1024;
    std::int64_t header_limit_bytes = 8 * 1024;
    std::int64_t read_timeout_ms = 10000;
    std::int64_t idle_timeout_ms = 60000;
    std::int64_t issue_wait_ms = 3000;
    std::int64_t retry_after_seconds = 1;
    std::int64_t max_connections = 10000;
    std::int64_t blocking_threads = 4;
    std::int64_t blocking_queue = 4096;
    LimitSettings limits;
};

struct AdminSettings {
    std::string token;       // secret: set it through COUPON_ADMIN_TOKEN or token_file, never in the repo
    std::string token_file;
};

// Who may act for a user (docs/auth.md).
struct JwtSettings {
    std::string secret;           // HS256 key; secret: COUPON_AUTH_JWT_SECRET or secret_file
    std::string secret_file;
    std::string public_key_file;  // PEM: RSA -> RS256, EC P-256 -> ES256
    std::string public_key;       // read from public_key_file by the loader
    std::int64_t leeway_s = 30;
    std::string issuer;           // empty: iss not checked
    std::string audience;         // empty: aud not checked
    std::string user_claim = "sub";
    std::string admin_claim;      // empty: no JWT is an admin
};

struct AuthSettings {
    std::string mode = "none";  // none | jwt | header
    std::string header;         // header mode: the gateway's user header, e.g. X-User-Id
    JwtSettings jwt;
};

struct DatabaseSettings {
    std::string url;  // empty: sqlite:<server.data_dir>/coupons.db
    std::int64_t pool_size = 4;
    std::int64_t busy_timeout_ms = 5000;
    std::int64_t statement_timeout_ms = 10000;
    std::int64_t connect_timeout_ms = 5000;
};

struct TopicSettings {
    std::string issue = "coupon-issue-topic";
    std::string retry_1 = "coupon-issue-topic-retry-1000";
    std::string retry_2 = "coupon-issue-topic-retry-2000";
    std::string dlt = "coupon-issue-topic.DLT";
    std::string results = "coupon-issue-result";
    std::int64_t partitions = 10;
    std::int64_t replication_factor = 3;
    std::int64_t retention_ms = 7LL * 24 * 3600 * 1000;
};

// The seed's Spring producer settings; each becomes a librdkafka property, then `properties` override.
struct ProducerSettings {
    std::string acks = "all";
    bool enable_idempotence = true;
    std::int64_t retries = 3;
    std::int64_t linger_ms = 10;
    std::int64_t batch_size = 16384;
    std::int64_t buffer_memory = 33554432;
    std::string compression_type = "snappy";
    std::int64_t max_in_flight = 5;
    std::int64_t request_timeout_ms = 30000;
    std::int64_t delivery_timeout_ms = 120000;
    std::string partitioner = "murmur2_random";
    Properties properties;
};

struct ConsumerSettings {
    std::string group_id = "coupon-issue-consumer-group";
    std::int64_t threads = 2;
    std::string auto_offset_reset = "earliest";
    std::string isolation_level = "read_committed";
    std::int64_t max_poll_records = 5000;
    std::int64_t max_poll_interval_ms = 300000;
    std::int64_t session_timeout_ms = 30000;
    std::int64_t heartbeat_interval_ms = 3000;
    std::int64_t fetch_wait_max_ms = 10;
    Properties properties;
};

// Spring's @RetryableTopic(attempts = "3", backoff = @Backoff(delay = 1000, multiplier = 2.0)).
struct RetrySettings {
    std::int64_t attempts = 3;      // deliveries in all, the first included; then the DLT
    std::int64_t delay_ms = 1000;   // due time of the first retry
    double multiplier = 2.0;        // each later retry waits this much longer
    std::int64_t consumer_threads = 1;
};

struct DeadLetterSettings {
    std::string webhook;  // optional http://host:port/path: every dead letter is POSTed there as JSON
};

struct EmbeddedSettings {
    std::int64_t brokers = 1;
    std::int64_t backlog_limit_bytes = 3 * 1024 * 1024;
    std::string bootstrap_file;  // where to write the bootstrap address (optional)
    // bootstrap_servers points at a `coupon-server broker` (the same mock broker, shared by local nodes):
    // skip the Admin API (the mock has none) and keep the backlog guard on.
    bool shared = false;
};

struct KafkaSettings {
    std::string bootstrap_servers;  // empty: start the embedded broker
    TopicSettings topics;
    ProducerSettings producer;
    ConsumerSettings consumer;
    EmbeddedSettings embedded;
    RetrySettings retry;
    DeadLetterSettings dead_letter;
    Properties properties;  // raw librdkafka properties for every client
};

struct Config {
    ServerSettings server;
    HttpSettings http;
    AdminSettings admin;
    AuthSettings auth;
    DatabaseSettings database;
    KafkaSettings kafka;
};

// One documented key: what --help prints and what the loader accepts.
struct KeyInfo {
    std::string key;
    std::string env;
    std::string default_value;
    std::string help;
};

// Reads `yaml_path` (empty: defaults only), applies COUPON_* variables from `env`, validates.
// Throws ConfigError naming the key.
Config load_config(const std::string& yaml_path, const std::map<std::string, std::string>& env);
std::map<std::string, std::string> process_environment();
std::vector<KeyInfo> config_keys();

}  // namespace coupon::app
