// Every configuration key, in the order of conf/coupon-server.yaml.
#include <limits>

#include "config_binder.hpp"

namespace coupon::app {
namespace {
constexpr std::int64_t kMaxInt = std::numeric_limits<std::int32_t>::max();
}

void bind_all(Config& c, ConfigBinder& b) {
    b.bind("server.data_dir", c.server.data_dir, "directory for the embedded SQLite file and local state");
    b.bind("server.log_level", c.server.log_level, "debug, info, warn or error");
    b.bind("server.shutdown_timeout_ms", c.server.shutdown_timeout_ms, 0, kMaxInt,
           "on SIGTERM, how long draining the embedded broker and in-flight work may take before a hard stop");

    b.bind("http.address", c.http.address, "listen address");
    b.bind("http.port", c.http.port, 0, 65535, "listen port (0: any free port, logged)");
    b.bind("http.threads", c.http.threads, 1, 64, "I/O threads");
    b.bind("http.body_limit_bytes", c.http.body_limit_bytes, 64, 64 * 1024 * 1024, "larger bodies get 413");
    b.bind("http.header_limit_bytes", c.http.header_limit_bytes, 256, 1024 * 1024, "larger headers get 431");
    b.bind("http.read_timeout_ms", c.http.read_timeout_ms, 1, kMaxInt, "a request must arrive whole within this");
    b.bind("http.idle_timeout_ms", c.http.idle_timeout_ms, 1, kMaxInt, "idle keep-alive connections are closed");
    b.bind("http.issue_wait_ms", c.http.issue_wait_ms, 100, 60000,
           "POST /api/coupons waits this long for the outcome, then answers 202 (PENDING, or UNCONFIRMED "
           "when the broker has not acknowledged it yet)");
    b.bind("http.retry_after_seconds", c.http.retry_after_seconds, 0, 3600, "Retry-After of 202 and 503 answers");
    b.bind("http.max_connections", c.http.max_connections, 1, 1000000, "open connections beyond this are refused");
    b.bind("http.blocking_threads", c.http.blocking_threads, 1, 256,
           "threads for handlers that query the database (never the I/O threads)");
    b.bind("http.blocking_queue", c.http.blocking_queue, 1, 100000,
           "database-bound requests waiting for those threads; beyond it 503 + Retry-After");
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

    b.bind("admin.token", c.admin.token, "bearer token of the admin endpoints; empty disables them, except on the embedded default, where a token is generated into <server.data_dir>/admin_token");
    b.bind("admin.token_file", c.admin.token_file, "file holding the admin token (overrides admin.token)");

    b.bind("auth.mode", c.auth.mode,
           "who may claim for a user: none (anyone; warned at start), jwt (Authorization: Bearer <JWT>) or header "
           "(a trusted gateway's header); docs/auth.md");
    b.bind("auth.header", c.auth.header, "header mode: the header holding the caller's user id, e.g. X-User-Id");
    b.bind("auth.jwt.secret", c.auth.jwt.secret, "HS256 key (at least 32 bytes); secret: use the variable or secret_file");
    b.bind("auth.jwt.secret_file", c.auth.jwt.secret_file, "file holding the HS256 key (overrides auth.jwt.secret)");
    b.bind("auth.jwt.public_key_file", c.auth.jwt.public_key_file,
           "PEM public key: RSA verifies RS256, EC P-256 verifies ES256 (instead of a secret)");
    b.bind("auth.jwt.leeway_s", c.auth.jwt.leeway_s, 0, 600, "clock skew allowed on exp and nbf, in seconds");
    b.bind("auth.jwt.issuer", c.auth.jwt.issuer, "required iss claim (empty: not checked)");
    b.bind("auth.jwt.audience", c.auth.jwt.audience, "required aud claim, a string or one of an array (empty: not checked)");
    b.bind("auth.jwt.user_claim", c.auth.jwt.user_claim, "claim holding the user id (string or integer)");
    b.bind("auth.jwt.admin_claim", c.auth.jwt.admin_claim,
           "claim granting the admin endpoints when it is true, \"admin\", or an array holding \"admin\" (empty: none)");

    b.bind("database.url", c.database.url,
           "sqlite:<path> or postgresql://...; empty: sqlite:<server.data_dir>/coupons.db");
    b.bind("database.pool_size", c.database.pool_size, 1, 256, "connections for HTTP reads");
    b.bind("database.busy_timeout_ms", c.database.busy_timeout_ms, 0, kMaxInt, "SQLite lock wait");
    b.bind("database.statement_timeout_ms", c.database.statement_timeout_ms, 0, kMaxInt,
           "PostgreSQL statement_timeout of every session (0: none)");
    b.bind("database.connect_timeout_ms", c.database.connect_timeout_ms, 0, kMaxInt,
           "PostgreSQL connect_timeout, in whole seconds of at least 2 (0: libpq's default, unbounded), "
           "unless the URL sets one");

    auto& k = c.kafka;
    b.bind("kafka.bootstrap_servers", k.bootstrap_servers, "host:port,...; empty: start the embedded broker");
    b.bind("kafka.properties", k.properties, "raw librdkafka properties for every client");
    b.bind("kafka.topics.issue", k.topics.issue, "issue request topic");
    b.bind("kafka.topics.retry_1", k.topics.retry_1, "first retry topic");
    b.bind("kafka.topics.retry_2", k.topics.retry_2, "second retry topic");
    b.bind("kafka.topics.dlt", k.topics.dlt, "dead-letter topic");
    b.bind("kafka.topics.results", k.topics.results, "outcome topic every node reads");
    b.bind("kafka.topics.partitions", k.topics.partitions, 1, 10000, "partitions of each topic created");
    b.bind("kafka.topics.replication_factor", k.topics.replication_factor, 1, 32, "replication of topics created");
    b.bind("kafka.topics.retention_ms", k.topics.retention_ms, 1, std::numeric_limits<std::int64_t>::max(),
           "retention.ms of topics created");

    auto& p = k.producer;
    b.bind("kafka.producer.acks", p.acks,
           "all (or -1): required, an answer only after every in-sync replica stored it");
    b.bind("kafka.producer.enable_idempotence", p.enable_idempotence, "idempotent producer");
    b.bind("kafka.producer.retries", p.retries, 0, kMaxInt, "produce retries");
    b.bind("kafka.producer.linger_ms", p.linger_ms, 0, 900000, "batching delay");
    b.bind("kafka.producer.batch_size", p.batch_size, 1, kMaxInt, "batch size in bytes");
    b.bind("kafka.producer.buffer_memory", p.buffer_memory, 1024, 2147483647LL, "producer queue in bytes");
    b.bind("kafka.producer.compression_type", p.compression_type, "none, gzip, snappy, lz4 or zstd");
    b.bind("kafka.producer.max_in_flight", p.max_in_flight, 1, 5, "requests in flight per connection");
    b.bind("kafka.producer.request_timeout_ms", p.request_timeout_ms, 1, kMaxInt, "request timeout");
    b.bind("kafka.producer.delivery_timeout_ms", p.delivery_timeout_ms, 1, kMaxInt, "delivery timeout");
    b.bind("kafka.producer.partitioner", p.partitioner, "murmur2_random: the same partition as Java clients");
    b.bind("kafka.producer.properties", p.properties, "raw librdkafka producer properties");

    auto& q = k.consumer;
    b.bind("kafka.consumer.group_id", q.group_id, "consumer group of the issue topic");
    b.bind("kafka.consumer.threads", q.threads, 1, 256, "worker threads (each owns its partitions)");
    b.bind("kafka.consumer.auto_offset_reset", q.auto_offset_reset,
           "earliest (required: latest would skip accepted requests)");
    b.bind("kafka.consumer.isolation_level", q.isolation_level, "read_committed or read_uncommitted");
    b.bind("kafka.consumer.max_poll_records", q.max_poll_records, 1, 100000,
           "records per batch, one database transaction (seed: 10)");
    b.bind("kafka.consumer.max_poll_interval_ms", q.max_poll_interval_ms, 1, kMaxInt, "max.poll.interval.ms");
    b.bind("kafka.consumer.session_timeout_ms", q.session_timeout_ms, 1, kMaxInt, "session.timeout.ms");
    b.bind("kafka.consumer.heartbeat_interval_ms", q.heartbeat_interval_ms, 1, kMaxInt, "heartbeat.interval.ms");
    b.bind("kafka.consumer.fetch_wait_max_ms", q.fetch_wait_max_ms, 0, kMaxInt, "fetch.wait.max.ms");
    b.bind("kafka.consumer.properties", q.properties, "raw librdkafka consumer properties");

    b.bind("kafka.retry.attempts", k.retry.attempts, 1, 10,
           "deliveries in all (first included) before the DLT; Spring's @RetryableTopic attempts");
    b.bind("kafka.retry.delay_ms", k.retry.delay_ms, 0, 3600000, "due time of the first retry");
    b.bind("kafka.retry.multiplier", k.retry.multiplier, 1.0, 100.0, "each later retry waits this much longer");
    b.bind("kafka.retry.consumer_threads", k.retry.consumer_threads, 1, 64, "workers per retry topic and the DLT");
    b.bind("kafka.dead_letter.webhook", k.dead_letter.webhook,
           "optional http://host:port/path: every dead letter is POSTed there as JSON");

    b.bind("kafka.embedded.brokers", k.embedded.brokers, 1, 16, "brokers of the embedded cluster");
    b.bind("kafka.embedded.backlog_limit_bytes", k.embedded.backlog_limit_bytes, 4096, 4 * 1024 * 1024,
           "unconsumed bytes per partition of the issue, retry and dead-letter topics before 503 / holding a "
           "forward (the embedded broker drops beyond 5 MiB)");
    b.bind("kafka.embedded.bootstrap_file", k.embedded.bootstrap_file, "write the embedded broker's address here");
    b.bind("kafka.embedded.shared", k.embedded.shared,
           "bootstrap_servers is a `coupon-server broker` (mock): no Admin API, backlog guard on");
}

}  // namespace coupon::app
