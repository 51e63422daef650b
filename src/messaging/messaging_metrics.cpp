#include "messaging_metrics.hpp"

#include <fmt/format.h>

#include <string>
#include <vector>

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
            g.counter("coupon_kafka_requests_waited_total",
                      "Issue requests that found their partition's backlog full and waited for room (embedded broker)"),
        };
    }();
    return *m;
}

namespace {

// A request's way from accept to outcome: milliseconds on the issue topic, seconds to minutes through the
// retry topics' delays.
const std::vector<double>& outcome_buckets() {
    static const std::vector<double> bounds{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                            2.5,   5,      10,    30,   60,    120,  300, 600};
    return bounds;
}

}  // namespace

base::Histogram& MessagingMetrics::batch_records(const std::string& topic) {
    return base::Metrics::global().histogram("coupon_consumer_batch_records",
                                             "Records per consumer poll batch, decided together, by topic read",
                                             fmt::format(R"(topic="{}")", topic), base::Histogram::count_buckets(),
                                             base::Histogram::Unit::Count);
}

base::Histogram& MessagingMetrics::transaction_seconds(const std::string& topic) {
    return base::Metrics::global().histogram(
        "coupon_consumer_transaction_seconds",
        "Database transactions of consumers (a batch, a part of one while isolating a bad record, a dead letter)",
        fmt::format(R"(topic="{}")", topic));
}

base::Histogram& MessagingMetrics::accept_to_outcome(const std::string& topic) {
    return base::Metrics::global().histogram(
        "coupon_issue_accept_to_outcome_seconds",
        "From a request's requestedAt (accepted by a node) to its outcome decided by a consumer, by topic decided on",
        fmt::format(R"(topic="{}")", topic), outcome_buckets());
}

MessagingMetrics::Value& MessagingMetrics::rebalances(const std::string& topic, const char* event) {
    return base::Metrics::global().counter(
        "coupon_kafka_rebalances_total",
        "Rebalance callbacks served by this node's consumer workers: partitions assigned, revoked, lost, or an error",
        fmt::format(R"(topic="{}",event="{}")", topic, event));
}

base::Histogram& MessagingMetrics::delivery_seconds(const std::string& producer) {
    return base::Metrics::global().histogram(
        "coupon_kafka_produce_delivery_seconds",
        "From produce() to the broker's acknowledgement of a stored record, by producer (requests, results)",
        fmt::format(R"(producer="{}")", producer));
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
