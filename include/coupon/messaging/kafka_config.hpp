#pragma once
// Everything the messaging module needs to know, as a plain struct with the seed's defaults (DESIGN.md
// section 3). The app's configuration binds its keys straight into these fields (src/app/config_keys.cpp),
// so the defaults below are the only ones: conf/coupon-server.yaml and --help are checked against them.
// `producer` and `consumer` start as the seed's Spring settings under their librdkafka names; the typed keys
// (kafka.producer.linger_ms, ...) and then the user's raw properties write into the same maps.
#include <chrono>
#include <cstdint>
#include <map>
#include <string>

namespace coupon::messaging {

using Properties = std::map<std::string, std::string>;

struct TopicConfig {
    std::string issue = "coupon-issue-topic";
    std::string retry_1 = "coupon-issue-topic-retry-1000";
    std::string retry_2 = "coupon-issue-topic-retry-2000";
    std::string dlt = "coupon-issue-topic.DLT";
    std::string results = "coupon-issue-result";
    int partitions = 10;  // of every topic: issue, retry stages, DLT and results
    // Real clusters only (ensure_topics): clamped to the number of brokers.
    int replication_factor = 3;
    std::int64_t retention_ms = 7LL * 24 * 3600 * 1000;
};

struct EmbeddedConfig {
    int brokers = 1;
    // The mock broker silently drops a partition's oldest records beyond 5 MiB or 100,000 batches, consumed
    // or not. The front end refuses (Overloaded) before a partition's unconsumed backlog gets near that.
    std::int64_t backlog_limit_bytes = 3 * 1024 * 1024;
    std::int64_t backlog_limit_records = 20000;
    // Bytes one stored record may take, batch overhead included (each record can be its own batch).
    // The guard uses the larger of this and what it measures on its own records.
    std::int64_t backlog_record_bytes = 256;
    std::chrono::milliseconds backlog_sample_interval{150};
    // How long a request whose issue partition is full waits for room before it is refused (503); 0 refuses
    // at once. At most half of http.issue_wait_ms (config.cpp derive()), so a request that waited still gets
    // its outcome. Under a flood whose consumers fall a little behind, the intake slows to their pace
    // instead of answering 503 (GuardedRequestSink).
    std::chrono::milliseconds backlog_wait{1000};
    // A caught-up consumer on the mock waits the full fetch.wait.max.ms, new data or not (a real broker
    // answers as soon as data arrives, so this is set for the mock only). Every answer crosses two such
    // waits (issue topic, results). 2, not 10: 64 connections p99 36 -> 13 ms (with the quiet producer,
    // kafka_request_sink.cpp), 1,000 connections no slower; an idle node 123 -> 213 ms CPU a second.
    std::chrono::milliseconds fetch_wait_max{2};
    // The longest consumer session on the mock (kafka.consumer.session_timeout_ms is capped to it, and the
    // heartbeat to a sixth of it). The mock's rebalances in a running group wait session.timeout.ms - 1 s even
    // when every member has rejoined, and about one fresh start in ten has a member whose first assignment
    // is lost and who rejoins: with the seed's 30 s sessions that start was ready after 32 s, with 6 s after
    // 8 (scripts: 30 starts each, 2026-11-30).
    std::chrono::milliseconds session_timeout_max{6000};
    std::string bootstrap_file;  // where the app writes the embedded broker's address (optional)
    // bootstrap_servers points at a `coupon-server broker` (the same mock, shared by local nodes): no Admin
    // API, backlog guard on.
    bool shared = false;
};

// The seed's Spring producer settings (DESIGN.md section 3), but for batch.size.
inline Properties seed_producer_properties() {
    return {{"acks", "all"},
            {"enable.idempotence", "true"},
            {"retries", "3"},
            {"linger.ms", "10"},
            // Not the seed's 16384: at 1,000 connections on one hot partition a 16 KiB batch filled in about
            // 4 ms, so the request producer sent ~70-record batches well before linger.ms and every produce
            // and fetch paid for it (the embedded broker walks a partition's record sets on each fetch).
            // 256 KiB, scripts/bench two alternating pairs: 19,171 / 18,015 -> 23,131 / 20,916 req/s,
            // p99 103 / 107 -> 67 / 83 ms, 62 / 67 -> 50 / 59 us CPU a request; 64 connections unchanged
            // (their batches never fill 16 KiB). Still far below a broker's 1 MB message.max.bytes.
            {"batch.size", "262144"},
            {"queue.buffering.max.kbytes", "32768"},  // Spring's buffer.memory of 32 MiB
            {"compression.codec", "snappy"},
            {"max.in.flight.requests.per.connection", "5"},
            {"request.timeout.ms", "30000"},
            {"delivery.timeout.ms", "120000"},
            {"partitioner", "murmur2_random"}};  // the same partition for a key as Java's default partitioner
}

// The seed's Spring consumer settings; group.id and the commit settings are the client's own (client_config).
inline Properties seed_consumer_properties() {
    return {{"auto.offset.reset", "earliest"},
            {"isolation.level", "read_committed"},
            {"max.poll.interval.ms", "300000"},
            {"session.timeout.ms", "30000"},
            {"heartbeat.interval.ms", "3000"}};
}

// Non-blocking retries like Spring's @RetryableTopic(attempts = "3", backoff = @Backoff(delay = 1000,
// multiplier = 2.0)): a batch the database fails goes to retry stage 1 (due `delay` later), then stage 2
// (due delay*multiplier later), ..., and after `attempts` deliveries in all to the DLT. Stage 1 and 2 use
// TopicConfig::retry_1/retry_2; further stages are named "<issue>-retry-<delay ms>" (Spring's suffixing).
// attempts = 1 sends a failed batch straight to the DLT.
struct RetryConfig {
    int attempts = 3;
    std::chrono::milliseconds delay{1000};
    double multiplier = 2.0;
    int consumer_threads = 1;  // per retry topic and for the DLT (their traffic is small)
};

struct KafkaConfig {
    std::string bootstrap_servers;  // empty: the app starts an EmbeddedBroker and fills this in
    TopicConfig topics;
    std::string group_id = "coupon-issue-consumer-group";
    int consumer_threads = 2;
    // Cap of one poll batch = one database transaction. A batch is whatever is already fetched, so it grows
    // with the backlog (thousands under a flood, one when idle).
    int max_poll_records = 5000;
    // The front end's producer sends a record at once, not after linger.ms, while fewer than this many
    // issue requests a second arrive (a quiet node answers without the batching delay; a flood is batched).
    // 0: linger.ms always applies.
    // 30,000 (counted in 10 ms windows, linger_governor.hpp): 64 closed-loop connections send 9,000-10,000 a
    // second, but in bursts (answers come back a transaction at a time) that crossed 15,000's 150 a window and
    // sent 8-12% of their requests through the 10 ms linger: p99 17.8 ms instead of 10.1 (scripts/bench,
    // 2026-11-30). 1,000 connections send 300-500 a window and stay batched.
    std::int64_t send_at_once_below_per_s = 30000;
    // ... and while fewer than this many HTTP requests wait for their outcomes (0: the waiters never count).
    // Ten hot partitions at 1,000 connections stayed under the rate above and went out in record sets of two
    // or three requests, which the embedded broker walks on every fetch (linger_governor.hpp); 64 connections
    // never have more than 64 waiting.
    std::int64_t linger_from_waiting = 256;
    // Stop: how long a worker waits for its batches' records to be acknowledged before it commits and leaves.
    std::chrono::milliseconds shutdown_drain{10000};
    // True when the broker is the librdkafka mock (this process's own or a shared `coupon-server broker`):
    // turns on the backlog guard and mock-friendly consumer defaults (EmbeddedConfig::fetch_wait_max).
    bool embedded_broker = false;
    EmbeddedConfig embedded;
    RetryConfig retry;
    // Optional "http(s)://host[:port]/path": each dead letter is POSTed there as JSON (best effort).
    std::string dead_letter_webhook;
    Properties common;                                // every client
    Properties producer = seed_producer_properties(); // producers (issue requests, results, dead letters)
    Properties consumer = seed_consumer_properties(); // consumers (issue group, result listener)
};

}  // namespace coupon::messaging
