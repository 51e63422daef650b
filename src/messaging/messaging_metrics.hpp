#pragma once
// The module's counters, looked up once (Metrics::counter takes a lock) and kept as references.
#include <cstdint>
#include <string>

#include "coupon/base/metrics.hpp"
#include "coupon/domain/types.hpp"

namespace coupon::messaging {

struct MessagingMetrics {
    using Value = base::Metrics::Value;
    Value& produced;             // issue requests handed to the producer
    Value& accepted;             // ... acknowledged by the broker
    Value& refused_overloaded;   // refused before producing (queue full, backlog guard)
    Value& refused_unavailable;  // not stored (broker error, timeout, shutdown)
    Value& consumed;             // issue records taken by workers
    Value& batches;              // batches applied (one DB transaction each)
    Value& poison;               // undecodable records sent to the DLT
    Value& store_failures;       // database failures (an issue batch forwarded, a dead letter retried)
    Value& retried;              // issue records forwarded to a retry topic
    Value& exhausted;            // issue records sent to the DLT after their last attempt
    Value& dead_letters;         // dead letters recorded by the DLT consumer
    Value& webhook_failures;     // dead-letter webhook posts that failed or were dropped
    Value& commit_failures;      // offset commits the broker refused
    Value& publish_failures;     // batches whose results/forwards the broker refused (produced again)
    Value& results_received;     // results read by result listeners
    Value& backlog_waited;       // issue requests that waited for room under the backlog guard

    static MessagingMetrics& get();
    // Histograms by consumer stage (the topic a worker reads: issue, retry, dead-letter) or producer. Each
    // call takes the registry's lock: look them up once per worker / handler / producer and keep them.
    // coupon_consumer_batch_records{topic}: records per poll batch decided together.
    static base::Histogram& batch_records(const std::string& topic);
    // coupon_consumer_transaction_seconds{topic}: one database transaction deciding (part of) a batch.
    static base::Histogram& transaction_seconds(const std::string& topic);
    // coupon_issue_accept_to_outcome_seconds{topic}: requestedAt (the front end accepted it) to decided.
    static base::Histogram& accept_to_outcome(const std::string& topic);
    // coupon_kafka_rebalances_total{topic,event="assigned|revoked|lost|error"}: rebalance callbacks served.
    static Value& rebalances(const std::string& topic, const char* event);
    // coupon_kafka_produce_delivery_seconds{producer}: produce() to the broker's acknowledgement.
    static base::Histogram& delivery_seconds(const std::string& producer);
    static Value& backlog_records(const std::string& topic, std::int32_t partition);
    static Value& backlog_bytes(const std::string& topic, std::int32_t partition);
};

}  // namespace coupon::messaging
