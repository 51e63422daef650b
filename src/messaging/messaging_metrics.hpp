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

    static MessagingMetrics& get();
    static Value& outcome(domain::Outcome outcome);
    static Value& backlog_records(const std::string& topic, std::int32_t partition);
    static Value& backlog_bytes(const std::string& topic, std::int32_t partition);
};

}  // namespace coupon::messaging
