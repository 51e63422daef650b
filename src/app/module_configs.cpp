#include "module_configs.hpp"

#include <string>

namespace coupon::app {
namespace {

std::string text(std::int64_t v) { return std::to_string(v); }

// The seed's Spring producer settings under their librdkafka names; raw properties come after and win.
messaging::Properties producer_properties(const ProducerSettings& p) {
    messaging::Properties out{
        {"acks", p.acks},
        {"enable.idempotence", p.enable_idempotence ? "true" : "false"},
        {"retries", text(p.retries)},
        {"linger.ms", text(p.linger_ms)},
        {"batch.size", text(p.batch_size)},
        {"queue.buffering.max.kbytes", text(p.buffer_memory / 1024)},
        {"compression.codec", p.compression_type},
        {"max.in.flight.requests.per.connection", text(p.max_in_flight)},
        {"request.timeout.ms", text(p.request_timeout_ms)},
        {"delivery.timeout.ms", text(p.delivery_timeout_ms)},
        {"partitioner", p.partitioner},
    };
    for (const auto& [k, v] : p.properties) out[k] = v;
    return out;
}

messaging::Properties consumer_properties(const ConsumerSettings& c) {
    messaging::Properties out{
        {"auto.offset.reset", c.auto_offset_reset},
        {"isolation.level", c.isolation_level},
        {"max.poll.interval.ms", text(c.max_poll_interval_ms)},
        {"session.timeout.ms", text(c.session_timeout_ms)},
        {"heartbeat.interval.ms", text(c.heartbeat_interval_ms)},
        {"fetch.wait.max.ms", text(c.fetch_wait_max_ms)},
    };
    for (const auto& [k, v] : c.properties) out[k] = v;
    return out;
}

}  // namespace

http::HttpConfig http_config_of(const Config& c) {
    http::HttpConfig h;
    h.address = c.http.address;
    h.port = static_cast<std::uint16_t>(c.http.port);
    h.threads = static_cast<std::size_t>(c.http.threads);
    h.body_limit = static_cast<std::size_t>(c.http.body_limit_bytes);
    h.header_limit = static_cast<std::size_t>(c.http.header_limit_bytes);
    h.read_timeout = std::chrono::milliseconds(c.http.read_timeout_ms);
    h.idle_timeout = std::chrono::milliseconds(c.http.idle_timeout_ms);
    h.issue_wait = std::chrono::milliseconds(c.http.issue_wait_ms);
    h.drain_timeout = std::chrono::milliseconds(c.server.shutdown_timeout_ms);
    h.retry_after_seconds = c.http.retry_after_seconds;
    h.admin_token = c.admin.token;
    h.auth.mode = c.auth.mode == "jwt"      ? http::AuthConfig::Mode::Jwt
                  : c.auth.mode == "header" ? http::AuthConfig::Mode::Header
                                            : http::AuthConfig::Mode::None;
    h.auth.header = c.auth.header;
    h.auth.jwt.secret = c.auth.jwt.secret;
    h.auth.jwt.public_key = c.auth.jwt.public_key;
    h.auth.jwt.leeway_seconds = c.auth.jwt.leeway_s;
    h.auth.jwt.issuer = c.auth.jwt.issuer;
    h.auth.jwt.audience = c.auth.jwt.audience;
    h.auth.jwt.user_claim = c.auth.jwt.user_claim;
    h.auth.jwt.admin_claim = c.auth.jwt.admin_claim;
    h.limits.per_user = {c.http.limits.per_user.rate, c.http.limits.per_user.burst};
    h.limits.per_address = {c.http.limits.per_address.rate, c.http.limits.per_address.burst};
    h.limits.max_keys = static_cast<std::size_t>(c.http.limits.max_keys);
    h.max_connections = static_cast<std::size_t>(c.http.max_connections);
    h.blocking_threads = static_cast<std::size_t>(c.http.blocking_threads);
    h.blocking_queue = static_cast<std::size_t>(c.http.blocking_queue);
    return h;
}

messaging::KafkaConfig kafka_config_of(const Config& c) {
    messaging::KafkaConfig k;
    k.bootstrap_servers = c.kafka.bootstrap_servers;
    const auto partitions = static_cast<int>(c.kafka.topics.partitions);
    k.topics.issue = c.kafka.topics.issue;
    k.topics.retry_1 = c.kafka.topics.retry_1;
    k.topics.retry_2 = c.kafka.topics.retry_2;
    k.topics.dlt = c.kafka.topics.dlt;
    k.topics.results = c.kafka.topics.results;
    k.topics.issue_partitions = k.topics.retry_partitions = k.topics.dlt_partitions = k.topics.results_partitions =
        partitions;
    k.topics.replication_factor = static_cast<int>(c.kafka.topics.replication_factor);
    k.topics.retention_ms = c.kafka.topics.retention_ms;
    k.group_id = c.kafka.consumer.group_id;
    k.consumer_threads = static_cast<int>(c.kafka.consumer.threads);
    k.max_poll_records = static_cast<int>(c.kafka.consumer.max_poll_records);
    k.shutdown_drain = std::chrono::milliseconds(c.server.shutdown_timeout_ms);
    k.embedded_broker = c.kafka.bootstrap_servers.empty() || c.kafka.embedded.shared;
    k.embedded.brokers = static_cast<int>(c.kafka.embedded.brokers);
    k.embedded.backlog_limit_bytes = c.kafka.embedded.backlog_limit_bytes;
    k.retry.attempts = static_cast<int>(c.kafka.retry.attempts);
    k.retry.delay = std::chrono::milliseconds(c.kafka.retry.delay_ms);
    k.retry.multiplier = c.kafka.retry.multiplier;
    k.retry.consumer_threads = static_cast<int>(c.kafka.retry.consumer_threads);
    k.dead_letter_webhook = c.kafka.dead_letter.webhook;
    k.common = c.kafka.properties;
    k.producer = producer_properties(c.kafka.producer);
    k.consumer = consumer_properties(c.kafka.consumer);
    return k;
}

store::DatabaseConfig database_config_of(const Config& c) {
    store::DatabaseConfig d;
    d.url = c.database.url;
    d.pool_size = static_cast<int>(c.database.pool_size);
    d.busy_timeout = std::chrono::milliseconds(c.database.busy_timeout_ms);
    d.statement_timeout = std::chrono::milliseconds(c.database.statement_timeout_ms);
    d.connect_timeout = std::chrono::milliseconds(c.database.connect_timeout_ms);
    // Records that outlive this process (a real or shared broker) need commits that outlive an OS crash.
    d.sqlite_full_sync = !c.kafka.bootstrap_servers.empty();
    return d;
}

}  // namespace coupon::app
