#include "issue_batch_handler.hpp"

#include <algorithm>

#include "coupon/domain/coupon_issuer.hpp"
#include "coupon/base/log.hpp"
#include "coupon/messaging/message_codec.hpp"
#include "spring_retry_records.hpp"
#include "messaging_metrics.hpp"
#include "record_view.hpp"

namespace coupon::messaging {

IssueHandler::IssueHandler(const KafkaConfig& config, ConsumeStage stage, std::unique_ptr<domain::IssueStore> store,
                           const domain::Clock& clock, std::function<void()> after_db_commit)
    : config_(config),
      stage_(std::move(stage)),
      store_(std::move(store)),
      clock_(clock),
      after_db_commit_(std::move(after_db_commit)),
      transaction_seconds_(MessagingMetrics::transaction_seconds(stage_.topic)),
      accept_to_outcome_(MessagingMetrics::accept_to_outcome(stage_.topic)) {}

namespace {

// Transactions one failing batch may spend finding the records the database refuses alone: about two per
// bad record per halving; beyond it the rest of the batch is forwarded as a whole.
constexpr int kIsolationBudget = 64;

}  // namespace

struct IssueHandler::Decided {
    std::vector<domain::IssueResult> results;  // offset order
    std::vector<std::size_t> failed;           // indexes into the requests
    std::string exception_class;
    std::string error;
};

BatchWork IssueHandler::process(const Batch& batch, const GiveUp&) {
    MessagingMetrics& metrics = MessagingMetrics::get();
    metrics.consumed.fetch_add(static_cast<std::int64_t>(batch.size()), std::memory_order_relaxed);
    std::vector<domain::IssueRequest> requests;
    requests.reserve(batch.size());
    std::vector<std::size_t> request_index;  // requests[i] came from batch[request_index[i]]
    request_index.reserve(batch.size());
    BatchWork work{BatchVerdict::Done, {}, {}, "results"};
    for (std::size_t i = 0; i < batch.size(); ++i) {
        const auto& m = *batch[i];
        const RetryInfo info = read_retry_info(m);
        const RecordOrigin origin = original_origin(m, info);
        auto decoded = decode_request(payload_of(m), last_header(m, kTypeIdHeader.data()), origin);
        if (decoded.value) {
            decoded.value->replay = last_header(m, kReplayHeader).has_value();
            requests.push_back(std::move(*decoded.value));
            request_index.push_back(i);
            continue;
        }
        log::warn("consumer", {.topic = rd_kafka_topic_name(m.rkt), .partition = m.partition, .offset = m.offset},
                  "poison record: {}; sending it to {}", decoded.error, config_.topics.dlt);
        metrics.poison.fetch_add(1, std::memory_order_relaxed);
        work.records.push_back(dead_letter_record(config_, m, kPoisonExceptionClass, decoded.error));
    }

    Decided decided = decide(requests);
    if (after_db_commit_ && !decided.results.empty()) {
        try {
            after_db_commit_();
        } catch (const std::exception& e) {
            log::error("consumer", "simulated crash after the database commit ({}): no offsets committed", e.what());
            return {BatchVerdict::Crashed, {}, {}, "results"};
        }
    }
    // A committed offset must always have its result published (the HTTP waiters depend on it): the worker
    // commits only once these are stored.
    for (const auto& r : decided.results) policy_metrics_.count(r);
    if (!decided.failed.empty()) forward(batch, request_index, requests, decided, work);
    if (!decided.results.empty()) metrics.batches.fetch_add(1, std::memory_order_relaxed);
    work.results = std::move(decided.results);
    return work;
}

IssueHandler::Decided IssueHandler::decide(const std::vector<domain::IssueRequest>& requests) {
    Decided out;
    if (requests.empty() || try_apply(requests, 0, requests.size(), out)) return out;
    const std::size_t n = requests.size();
    if (n == 1 || !database_answers(requests)) {
        for (std::size_t i = 0; i < n; ++i) out.failed.push_back(i);  // an outage: the whole batch moves on
        return out;
    }
    log::warn("consumer", "the database refused a batch of {} from {} but answers: isolating the record(s) it refuses "
              "({})", n, stage_.topic, out.error);
    int budget = kIsolationBudget;
    isolate(requests, 0, n / 2, out, budget);
    isolate(requests, n / 2, n, out, budget);
    return out;
}

void IssueHandler::isolate(const std::vector<domain::IssueRequest>& requests, std::size_t from, std::size_t to,
                           Decided& out, int& budget) {
    if (from >= to) return;
    if (budget <= 0) {
        for (std::size_t i = from; i < to; ++i) out.failed.push_back(i);
        return;
    }
    --budget;
    if (try_apply(requests, from, to, out)) return;
    if (to - from == 1) {
        out.failed.push_back(from);
        return;
    }
    const std::size_t mid = from + (to - from) / 2;
    isolate(requests, from, mid, out, budget);
    isolate(requests, mid, to, out, budget);
}

bool IssueHandler::try_apply(const std::vector<domain::IssueRequest>& requests, std::size_t from, std::size_t to,
                             Decided& out) {
    domain::CouponIssuer issuer(*store_, clock_);
    const auto started = std::chrono::steady_clock::now();
    try {
        std::vector<domain::IssueResult> results;
        if (from == 0 && to == requests.size()) {
            results = issuer.apply(requests);
        } else {
            results = issuer.apply({requests.begin() + static_cast<std::ptrdiff_t>(from),
                                    requests.begin() + static_cast<std::ptrdiff_t>(to)});
        }
        transaction_seconds_.observe(std::chrono::steady_clock::now() - started);
        observe_decided(requests, from, to);
        for (auto& r : results) out.results.push_back(std::move(r));
        return true;
    } catch (const domain::StoreError& e) {
        transaction_seconds_.observe(std::chrono::steady_clock::now() - started);
        out.exception_class = kStoreExceptionClass;
        out.error = e.what();
    } catch (const std::exception& e) {
        // Not an outage we know; Spring retries any exception that is not excluded, so do we.
        out.exception_class = "coupon.UnexpectedError";
        out.error = e.what();
    }
    return false;
}

void IssueHandler::observe_decided(const std::vector<domain::IssueRequest>& requests, std::size_t from,
                                   std::size_t to) {
    // requestedAt is the accepting node's wall clock; a node whose clock runs ahead makes it 0 (observe
    // clamps), one behind makes it longer. A replayed dead letter's requestedAt is its first accept, hours
    // ago perhaps: not a latency of the pipeline. Records without requestedAt (the seed's) have none.
    const domain::TimePoint now = clock_.now();
    for (std::size_t i = from; i < to; ++i) {
        const auto& r = requests[i];
        if (r.replay || r.requested_at == domain::TimePoint{}) continue;
        accept_to_outcome_.observe(now - r.requested_at);
    }
}

bool IssueHandler::database_answers(const std::vector<domain::IssueRequest>& requests) {
    // The same first step as the batch (a write transaction that locks its policies), rolled back: it fails
    // the same way during an outage or behind a lock, and succeeds when only the batch's content is refused.
    std::vector<domain::PolicyId> policies;
    for (const auto& r : requests) {
        if (std::find(policies.begin(), policies.end(), r.policy_id) == policies.end()) policies.push_back(r.policy_id);
    }
    try {
        auto tx = store_->begin();
        (void)tx->lock_policies(policies);
        return true;
    } catch (const std::exception&) {
        return false;
    }
}

void IssueHandler::forward(const Batch& batch, const std::vector<std::size_t>& request_index,
                           const std::vector<domain::IssueRequest>& requests, const Decided& decided,
                           BatchWork& work) {
    MessagingMetrics& metrics = MessagingMetrics::get();
    metrics.store_failures.fetch_add(1, std::memory_order_relaxed);
    const std::int64_t now_ms = clock_.now().time_since_epoch().count();
    for (std::size_t j : decided.failed) {
        const auto& m = *batch[request_index[j]];
        Forward f;
        f.topic = stage_.next_topic;
        f.partitions = stage_.next_partitions;
        f.attempts = read_retry_info(m).attempts + 1;
        f.due_millis = stage_.next_is_dlt ? now_ms : now_ms + stage_.next_delay.count();
        f.group_id = stage_.group_id;
        f.exception_class = decided.exception_class;
        f.error = decided.error;
        if (m.len > kMaxForwardBytes / 2) f.compact_value = encode_request(requests[j]);
        work.records.push_back(forward_record(m, f));
    }
    work.what = stage_.next_is_dlt ? "results and dead letters" : "results and retries";
    log::warn("consumer", {.topic = stage_.topic}, "database failed {} request(s): {}; forwarding them to {}{}",
              decided.failed.size(), decided.error, stage_.next_topic,
              stage_.next_is_dlt ? " (last attempt)" : fmt::format(" (due in {} ms)", stage_.next_delay.count()));
    // Stored BEFORE the offsets are committed (the worker's pipeline): the records are safe in the next topic.
    (stage_.next_is_dlt ? metrics.exhausted : metrics.retried)
        .fetch_add(static_cast<std::int64_t>(decided.failed.size()), std::memory_order_relaxed);
}

}  // namespace coupon::messaging
