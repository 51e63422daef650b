// Every configuration key, in the order of conf/coupon-server.yaml, bound straight into the modules' config
// structs: their initial values are the defaults --help prints and the shipped YAML repeats (a test compares).
#include <limits>

#include "config_binder.hpp"

namespace coupon::app {
namespace {
constexpr std::int64_t kMaxInt = std::numeric_limits<std::int32_t>::max();
}

void bind_all(Config& c, ConfigBinder& b) {
    b.bind("server.data_dir", c.server.data_dir, "directory for the embedded SQLite file and local state");
    b.bind("server.shutdown_timeout_ms", c.server.shutdown_timeout, 0, kMaxInt,
           "on SIGTERM, how long draining the embedded broker and in-flight work may take before a hard stop");

    b.bind("log.level", c.log.level, {"info", "debug", "warn", "error"},
           "debug, info, warn or error (nothing is logged per request at info)");
    b.bind("log.format", c.log.format, {"text", "json"},
           "text: '<time> <LEVEL> [component] message'; json: one object per line with time, level, component, "
           "message");
    b.moved("server.log_level", "log.level");

    b.bind("metrics.policy_series", c.metrics.policy_series, 0, 10000,
           "policies with series of their own in coupon_issue_outcomes_total and coupon_policy_remaining_stock "
           "(7 series each); later ones count under policy=\"other\"");

    b.bind("http.address", c.http.address, "listen address");
    b.bind("http.port", c.http.port, 0, 65535, "listen port (0: any free port, logged)");
    b.bind("http.threads", c.http.threads, 1, 64, "I/O threads");
    b.bind("http.body_limit_bytes", c.http.body_limit, 64, 64 * 1024 * 1024, "larger bodies get 413");
    b.bind("http.header_limit_bytes", c.http.header_limit, 256, 1024 * 1024, "larger headers get 431");
    b.bind("http.read_timeout_ms", c.http.read_timeout, 1, kMaxInt, "a request must arrive whole within this");
    b.bind("http.idle_timeout_ms", c.http.idle_timeout, 1, kMaxInt, "idle keep-alive connections are closed");
    b.bind("http.issue_wait_ms", c.http.issue_wait, 100, 60000,
           "POST /api/coupons waits this long for the outcome, then answers 202 (PENDING, or UNCONFIRMED "
           "when the broker has not acknowledged it yet)");
    b.bind("http.retry_after_seconds", c.http.retry_after_seconds, 0, 3600, "Retry-After of 202 and 503 answers");
    b.bind("http.max_connections", c.http.max_connections, 1, 1000000, "open connections beyond this are refused");
    b.bind("http.blocking_threads", c.http.blocking_threads, 1, 256,
           "threads for handlers that query the database (never the I/O threads)");
    b.bind("http.blocking_queue", c.http.blocking_queue, 1, 100000,
           "database-bound requests waiting for those threads; beyond it 503 + Retry-After");
    b.bind("http.known_holders", c.http.known_holders, 0, 100000000,
           "(user, policy) pairs remembered from results to answer a repeated claim 409 at the edge (about 50 "
           "bytes each; 0: off); docs/edge-answers.md");
    b.bind("http.max_event_streams", c.http.max_event_streams, 1, 1000000,
           "open Server-Sent Event streams (GET .../events); beyond it 503 EVENT_STREAMS_FULL; each holds a "
           "connection (counted in http.max_connections too)");
    b.bind("http.event_stream_lifetime_ms", c.http.event_stream_lifetime, 1000, 86400000,
           "an event stream ends after this (event \"expired\"); the client may open another");
    b.bind("http.limits.per_user.rate", c.http.limits.per_user.rate, 0, 1e6,
           "POST /api/coupons/{userId}: requests per second per user (token bucket refill); 0: off; "
           "docs/edge-limits.md");
    b.bind("http.limits.per_user.burst", c.http.limits.per_user.burst, 0, 1000000,
           "requests a user may send at once (the bucket's size; at least 1 when the rate is set)");
    b.bind("http.limits.per_address.rate", c.http.limits.per_address.rate, 0, 1e6,
           "POST /api/coupons/{userId}: requests per second per client address; 0: off");
    b.bind("http.limits.per_address.burst", c.http.limits.per_address.burst, 0, 1000000,
           "requests one address may send at once (at least 1 when the rate is set)");
    b.bind("http.limits.max_keys", c.http.limits.max_keys, 8, 10000000,
           "buckets kept per limit (about 40 bytes each); beyond it the least recently used is forgotten");

    b.bind("admin.token", c.http.admin_token, "bearer token of the admin endpoints; empty disables them, except on the embedded default, where a token is generated into <server.data_dir>/admin_token");
    b.bind("admin.token_file", c.secret_files.admin_token, "file holding the admin token (overrides admin.token)");

    auto& auth = c.http.auth;
    using Mode = http::AuthConfig::Mode;
    b.bind("auth.mode", auth.mode, {{"none", Mode::None}, {"jwt", Mode::Jwt}, {"header", Mode::Header}},
           "who may claim for a user: none (anyone; warned at start), jwt (Authorization: Bearer <JWT>) or header "
           "(a trusted gateway's header); docs/auth.md");
    b.bind("auth.header", auth.header, "header mode: the header holding the caller's user id, e.g. X-User-Id");
    b.bind("auth.jwt.secret", auth.jwt.secret, "HS256 key (at least 32 bytes); secret: use the variable or secret_file");
    b.bind("auth.jwt.secret_file", c.secret_files.jwt_secret, "file holding the HS256 key (overrides auth.jwt.secret)");
    b.bind("auth.jwt.public_key_file", c.secret_files.jwt_public_key,
           "PEM public key: RSA verifies RS256, EC P-256 verifies ES256 (instead of a secret)");
    b.bind("auth.jwt.leeway_s", auth.jwt.leeway_seconds, 0, 600, "clock skew allowed on exp and nbf, in seconds");
    b.bind("auth.jwt.issuer", auth.jwt.issuer, "required iss claim (empty: not checked)");
    b.bind("auth.jwt.audience", auth.jwt.audience, "required aud claim, a string or one of an array (empty: not checked)");
    b.bind("auth.jwt.user_claim", auth.jwt.user_claim, "claim holding the user id (string or integer)");
    b.bind("auth.jwt.admin_claim", auth.jwt.admin_claim,
           "claim granting the admin endpoints when it is true, \"admin\", or an array holding \"admin\" (empty: none)");

    b.bind("database.url", c.database.url,
           "sqlite:<path> or postgresql://...; empty: sqlite:<server.data_dir>/coupons.db");
    b.bind("database.pool_size", c.database.pool_size, 1, 256, "connections for HTTP reads");
    b.bind("database.busy_timeout_ms", c.database.busy_timeout, 0, kMaxInt, "SQLite lock wait");
    b.bind("database.statement_timeout_ms", c.database.statement_timeout, 0, kMaxInt,
           "PostgreSQL statement_timeout of every session (0: none)");
    b.bind("database.connect_timeout_ms", c.database.connect_timeout, 0, kMaxInt,
           "PostgreSQL connect_timeout, in whole seconds of at least 2 (0: libpq's default, unbounded), "
           "unless the URL sets one");

    auto& k = c.kafka;
    b.bind("kafka.bootstrap_servers", k.bootstrap_servers, "host:port,...; empty: start the embedded broker");
    b.bind("kafka.properties", k.common, "raw librdkafka properties for every client");
    b.bind("kafka.topics.issue", k.topics.issue, "issue request topic");
    b.bind("kafka.topics.retry_1", k.topics.retry_1, "first retry topic");
    b.bind("kafka.topics.retry_2", k.topics.retry_2, "second retry topic");
    b.bind("kafka.topics.dlt", k.topics.dlt, "dead-letter topic");
    b.bind("kafka.topics.results", k.topics.results, "outcome topic every node reads");
    b.bind("kafka.topics.partitions", k.topics.partitions, 1, 10000, "partitions of each topic created");
    b.bind("kafka.topics.replication_factor", k.topics.replication_factor, 1, 32, "replication of topics created");
    b.bind("kafka.topics.retention_ms", k.topics.retention_ms, 1, std::numeric_limits<std::int64_t>::max(),
           "retention.ms of topics created");

    // The seed's producer settings are the producer map's defaults (kafka_config.hpp); each typed key writes
    // its librdkafka property, and the raw map after them wins.
    auto& p = k.producer;
    b.bind_entry("kafka.producer.acks", p, "acks", "all (or -1): required, an answer only after every in-sync replica stored it",
                 {"all", "-1", "1", "0"});
    b.bind_bool_entry("kafka.producer.enable_idempotence", p, "enable.idempotence", "idempotent producer");
    b.bind_entry("kafka.producer.retries", p, "retries", 0, kMaxInt, "produce retries");
    b.bind_entry("kafka.producer.linger_ms", p, "linger.ms", 0, 900000, "batching delay");
    b.bind("kafka.producer.send_at_once_below_per_s", k.send_at_once_below_per_s, 0, 100000000,
           "issue requests a second below which the front end sends each at once, not after linger_ms; 0: always linger");
    b.bind("kafka.producer.linger_from_waiting", k.linger_from_waiting, 0, 100000000,
           "HTTP requests waiting for their outcomes from which issue requests wait for linger_ms whatever their rate; "
           "0: the waiters never count");
    b.bind_entry("kafka.producer.batch_size", p, "batch.size", 1, kMaxInt, "batch size in bytes");
    b.bind_entry("kafka.producer.buffer_memory", p, "queue.buffering.max.kbytes", 1024, 2147483647LL,
                 "producer queue in bytes (librdkafka's queue.buffering.max.kbytes)", 1024);
    b.bind_entry("kafka.producer.compression_type", p, "compression.codec", "none, gzip, snappy, lz4 or zstd",
                 {"snappy", "none", "gzip", "lz4", "zstd"});
    b.bind_entry("kafka.producer.max_in_flight", p, "max.in.flight.requests.per.connection", 1, 5,
                 "requests in flight per connection");
    b.bind_entry("kafka.producer.request_timeout_ms", p, "request.timeout.ms", 1, kMaxInt, "request timeout");
    b.bind_entry("kafka.producer.delivery_timeout_ms", p, "delivery.timeout.ms", 1, kMaxInt, "delivery timeout");
    b.bind_entry("kafka.producer.partitioner", p, "partitioner", "murmur2_random: the same partition as Java clients");
    b.bind("kafka.producer.properties", p, "raw librdkafka producer properties (override the keys above)");

    auto& q = k.consumer;
    b.bind("kafka.consumer.group_id", k.group_id, "consumer group of the issue topic");
    b.bind("kafka.consumer.threads", k.consumer_threads, 1, 256, "worker threads (each owns its partitions)");
    b.bind_entry("kafka.consumer.auto_offset_reset", q, "auto.offset.reset",
                 "earliest (required: latest would skip accepted requests)", {"earliest", "latest"});
    b.bind_entry("kafka.consumer.isolation_level", q, "isolation.level", "read_committed or read_uncommitted",
                 {"read_committed", "read_uncommitted"});
    b.bind("kafka.consumer.max_poll_records", k.max_poll_records, 1, 100000,
           "records per batch, one database transaction (seed: 10)");
    b.bind_entry("kafka.consumer.max_poll_interval_ms", q, "max.poll.interval.ms", 1, kMaxInt, "max.poll.interval.ms");
    b.bind_entry("kafka.consumer.session_timeout_ms", q, "session.timeout.ms", 1, kMaxInt, "session.timeout.ms");
    b.bind_entry("kafka.consumer.heartbeat_interval_ms", q, "heartbeat.interval.ms", 1, kMaxInt,
                 "heartbeat.interval.ms");
    b.bind("kafka.consumer.properties", q, "raw librdkafka consumer properties (override the keys above)");
    b.moved("kafka.consumer.fetch_wait_max_ms",
            "kafka.embedded.fetch_wait_max_ms (the embedded broker only; on a real cluster set fetch.wait.max.ms "
            "under kafka.consumer.properties)");

    b.bind("kafka.retry.attempts", k.retry.attempts, 1, 10,
           "deliveries in all (first included) before the DLT; Spring's @RetryableTopic attempts");
    b.bind("kafka.retry.delay_ms", k.retry.delay, 0, 3600000, "due time of the first retry");
    b.bind("kafka.retry.multiplier", k.retry.multiplier, 1.0, 100.0, "each later retry waits this much longer");
    b.bind("kafka.retry.consumer_threads", k.retry.consumer_threads, 1, 64, "workers per retry topic and the DLT");
    b.bind("kafka.dead_letter.webhook", k.dead_letter_webhook,
           "optional http(s)://host[:port]/path: every dead letter is POSTed there as JSON");

    b.bind("kafka.embedded.brokers", k.embedded.brokers, 1, 16, "brokers of the embedded cluster");
    b.bind("kafka.embedded.backlog_limit_bytes", k.embedded.backlog_limit_bytes, 4096, 4 * 1024 * 1024,
           "unconsumed bytes per partition of the issue, retry and dead-letter topics before 503 / holding a "
           "forward (the embedded broker drops beyond 5 MiB)");
    b.bind("kafka.embedded.backlog_wait_ms", k.embedded.backlog_wait, 0, 60000,
           "how long a request whose issue partition is full waits for room, in arrival order, before 503 (0: at "
           "once); at most half of http.issue_wait_ms");
    b.bind("kafka.embedded.bootstrap_file", k.embedded.bootstrap_file, "write the embedded broker's address here");
    b.bind("kafka.embedded.shared", k.embedded.shared,
           "bootstrap_servers is a `coupon-server broker` (mock): no Admin API, backlog guard on");
    b.bind("kafka.embedded.fetch_wait_max_ms", k.embedded.fetch_wait_max, 0, 60000,
           "fetch.wait.max.ms on the embedded broker, which waits this long even when records arrive (a real "
           "broker answers at once, so it keeps librdkafka's default)");
    b.bind("kafka.embedded.session_timeout_max_ms", k.embedded.session_timeout_max, 1000, 3600000,
           "the embedded broker's longest consumer session (kafka.consumer.session_timeout_ms is capped to it): its "
           "rebalances wait the session less 1 s");
}

}  // namespace coupon::app
