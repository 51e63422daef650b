#include "issue_handler.hpp"

#include "coupon/domain/coupon_issuer.hpp"
#include "coupon/domain/log.hpp"
#include "coupon/messaging/message_codec.hpp"
#include "dead_letter.hpp"
#include "messaging_metrics.hpp"
#include "record_view.hpp"

namespace coupon::messaging {

IssueHandler::IssueHandler(const KafkaConfig& config, ConsumeStage stage, std::unique_ptr<domain::IssueStore> store,
                           const domain::Clock& clock, ResultPublisher& publisher,
                           std::function<void()> after_db_commit, BacklogGuard* guard)
    : config_(config),
      stage_(std::move(stage)),
      store_(std::move(store)),
      clock_(clock),
      publisher_(publisher),
      after_db_commit_(std::move(after_db_commit)),
      guard_(guard) {}

BatchVerdict IssueHandler::process(const Batch& batch, const GiveUp& give_up) {
    MessagingMetrics& metrics = MessagingMetrics::get();
    metrics.consumed.fetch_add(static_cast<std::int64_t>(batch.size()), std::memory_order_relaxed);
    std::vector<domain::IssueRequest> requests;
    std::vector<std::size_t> request_index;  // requests[i] came from batch[request_index[i]]
    std::vector<OutRecord> dead;
    for (std::size_t i = 0; i < batch.size(); ++i) {
        const auto& m = *batch[i];
        const RetryInfo info = read_retry_info(m);
        const RecordOrigin origin = original_origin(m, info);
        auto decoded = decode_request(payload_of(m), last_header(m, kTypeIdHeader.data()), origin);
        if (decoded.value) {
            requests.push_back(std::move(*decoded.value));
            request_index.push_back(i);
            continue;
        }
        log::warn("consumer", "poison record {}-{}@{}: {}; sending it to {}", rd_kafka_topic_name(m.rkt), m.partition,
                  m.offset, decoded.error, config_.topics.dlt);
        metrics.poison.fetch_add(1, std::memory_order_relaxed);
        dead.push_back(dead_letter_record(config_, m, kPoisonExceptionClass, decoded.error));
    }
    if (!dead.empty() && !publish_until_stored(publisher_, dead, "dead letters", give_up, guard_)) return BatchVerdict::Retry;

    domain::CouponIssuer issuer(*store_, clock_);
    std::vector<domain::IssueResult> results;
    try {
        results = issuer.apply(requests);
    } catch (const domain::StoreError& e) {
        return forward(batch, request_index, kStoreExceptionClass, e.what(), give_up);
    } catch (const std::exception& e) {
        // Not an outage we know; Spring retries any exception that is not excluded, so do we.
        return forward(batch, request_index, "coupon.UnexpectedError", e.what(), give_up);
    }

    if (after_db_commit_) {
        try {
            after_db_commit_();
        } catch (const std::exception& e) {
            log::error("consumer", "simulated crash after the database commit ({}): no offsets committed", e.what());
            return BatchVerdict::Crashed;
        }
    }

    std::vector<OutRecord> out;
    out.reserve(results.size());
    for (const auto& r : results) {
        out.push_back(publisher_.result_record(r));
        MessagingMetrics::outcome(r.outcome).fetch_add(1, std::memory_order_relaxed);
    }
    // A committed offset must always have its result published (the HTTP waiters depend on it).
    if (!publish_until_stored(publisher_, out, "results", give_up)) return BatchVerdict::Retry;
    metrics.batches.fetch_add(1, std::memory_order_relaxed);
    return BatchVerdict::Done;
}

BatchVerdict IssueHandler::forward(const Batch& batch, const std::vector<std::size_t>& indexes,
                                   const std::string& exception_class, const std::string& error,
                                   const GiveUp& give_up) {
    MessagingMetrics& metrics = MessagingMetrics::get();
    metrics.store_failures.fetch_add(1, std::memory_order_relaxed);
    const std::int64_t now_ms = clock_.now().time_since_epoch().count();
    std::vector<OutRecord> records;
    records.reserve(indexes.size());
    for (std::size_t i : indexes) {
        const auto& m = *batch[i];
        Forward f;
        f.topic = stage_.next_topic;
        f.partitions = stage_.next_partitions;
        f.attempts = read_retry_info(m).attempts + 1;
        if (!stage_.next_is_dlt) f.due_millis = now_ms + stage_.next_delay.count();
        f.exception_class = exception_class;
        f.error = error;
        records.push_back(forward_record(m, f));
    }
    log::warn("consumer", "database failed a batch of {} request(s) from {}: {}; forwarding them to {}{}",
              records.size(), stage_.topic, error, stage_.next_topic,
              stage_.next_is_dlt ? " (last attempt)" : fmt::format(" (due in {} ms)", stage_.next_delay.count()));
    // Produced and acknowledged BEFORE the offsets are committed: the records are safe in the next topic.
    if (!publish_until_stored(publisher_, records, stage_.next_is_dlt ? "dead letters" : "retries", give_up, guard_)) {
        return BatchVerdict::Retry;
    }
    (stage_.next_is_dlt ? metrics.exhausted : metrics.retried)
        .fetch_add(static_cast<std::int64_t>(records.size()), std::memory_order_relaxed);
    return BatchVerdict::Done;
}

}  // namespace coupon::messaging
