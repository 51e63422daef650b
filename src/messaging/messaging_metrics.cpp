#include "messaging_metrics.hpp"

#include <fmt/format.h>

#include <string>

namespace coupon::messaging {

MessagingMetrics& MessagingMetrics::get() {
    static MessagingMetrics* m = [] {
        auto& g = base::Metrics::global();
        const std::string requests = "Issue requests by how the broker took them";
        return new MessagingMetrics{
            g.counter("coupon_kafka_requests_produced_total", "Issue requests handed to the Kafka producer"),
            g.counter("coupon_kafka_requests_accepted_total", "Issue requests stored by the broker (acks=all)"),
            g.counter("coupon_kafka_requests_refused_total", requests, R"(reason="overloaded")"),
            g.counter("coupon_kafka_requests_refused_total", requests, R"(reason="unavailable")"),
            g.counter("coupon_kafka_consumed_records_total", "Issue records taken by consumer workers"),
            g.counter("coupon_kafka_batches_total", "Poll batches applied in one database transaction"),
            g.counter("coupon_kafka_poison_records_total", "Undecodable issue records sent to the DLT"),
            g.counter("coupon_kafka_store_failures_total", "Database failures seen by consumers"),
            g.counter("coupon_kafka_retried_records_total", "Issue records forwarded to a retry topic"),
            g.counter("coupon_kafka_exhausted_records_total", "Issue records sent to the DLT after the last attempt"),
            g.counter("coupon_dead_letters_total", "Dead letters recorded by the DLT consumer"),
            g.counter("coupon_dead_letter_webhook_failures_total", "Dead-letter webhook posts that failed"),
            g.counter("coupon_kafka_commit_failures_total", "Offset commits the broker refused"),
            g.counter("coupon_kafka_publish_failures_total",
                      "Consumer batches whose records the broker refused at first (produced again before commit)"),
            g.counter("coupon_kafka_results_received_total", "Issue results read from the result topic"),
        };
    }();
    return *m;
}

MessagingMetrics::Value& MessagingMetrics::outcome(domain::Outcome outcome) {
    return base::Metrics::global().counter("coupon_issue_outcomes_total", "Issue outcomes decided by consumers",
                                             fmt::format(R"(status="{}")", domain::to_string(outcome)));
}

MessagingMetrics::Value& MessagingMetrics::backlog_records(const std::string& topic, std::int32_t partition) {
    return base::Metrics::global().gauge(
        "coupon_kafka_backlog_records",
        "Unconsumed records per partition of the issue, retry and dead-letter topics (backlog guard estimate)",
        fmt::format(R"(topic="{}",partition="{}")", topic, partition));
}

MessagingMetrics::Value& MessagingMetrics::backlog_bytes(const std::string& topic, std::int32_t partition) {
    return base::Metrics::global().gauge(
        "coupon_kafka_backlog_bytes",
        "Unconsumed bytes per partition of the issue, retry and dead-letter topics (backlog guard estimate)",
        fmt::format(R"(topic="{}",partition="{}")", topic, partition));
}

}  // namespace coupon::messaging
