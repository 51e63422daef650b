#include "dead_letter_handler.hpp"

#include <boost/json.hpp>

#include "coupon/base/byte_text.hpp"
#include "coupon/base/log.hpp"
#include "coupon/base/time_format.hpp"
#include "coupon/messaging/message_codec.hpp"
#include "spring_retry_records.hpp"
#include "messaging_metrics.hpp"
#include "record_view.hpp"

namespace coupon::messaging {

domain::DeadLetter to_dead_letter(const rd_kafka_message_t& m, domain::TimePoint now) {
    domain::DeadLetter letter;
    letter.topic = rd_kafka_topic_name(m.rkt);
    letter.partition = m.partition;
    letter.offset = m.offset;
    const RetryInfo info = read_retry_info(m);
    const RecordOrigin origin = original_origin(m, info);
    // Header bytes from any producer: a TEXT column takes only plain, bounded text (PostgreSQL refuses NUL and
    // invalid UTF-8, which would fail the letter forever).
    letter.original_topic = base::storable_text(origin.topic, 512);
    letter.original_partition = origin.partition;
    letter.original_offset = origin.offset;
    letter.key = key_of(m);
    letter.payload = std::string(payload_of(m));
    letter.headers = headers_of(m);
    if (auto error = last_header(m, kExceptionMessageHeader)) letter.error = base::storable_text(*error, 4096);
    letter.created_at = now;
    auto decoded = decode_request(letter.payload, last_header(m, kTypeIdHeader.data()), origin);
    if (decoded.value) {
        letter.request = std::move(decoded.value);
    } else if (letter.error.empty()) {
        letter.error = base::storable_text(decoded.error, 4096);
    }
    return letter;
}

std::string describe_dead_letter(const domain::DeadLetter& letter) {
    boost::json::object o;
    o["id"] = letter.id;
    o["topic"] = letter.topic;
    o["partition"] = letter.partition;
    o["offset"] = letter.offset;
    o["originalTopic"] = letter.original_topic;
    o["originalPartition"] = letter.original_partition;
    o["originalOffset"] = letter.original_offset;
    o["key"] = letter.key;
    o["error"] = letter.error;
    o["createdAt"] = base::format_time(letter.created_at);
    if (letter.request) {
        o["requestId"] = letter.request->request_id;
        o["userId"] = letter.request->user_id;
        o["couponPolicyId"] = letter.request->policy_id;
    } else {
        o["payload"] = letter.payload;  // undecodable: the operator needs to see what it was
    }
    return boost::json::serialize(o);
}

DeadLetterHandler::DeadLetterHandler(const std::string& topic, std::unique_ptr<domain::DeadLetterStore> store,
                                     const domain::Clock& clock, DeadLetterWebhook* webhook)
    : store_(std::move(store)),
      clock_(clock),
      webhook_(webhook),
      transaction_seconds_(MessagingMetrics::transaction_seconds(topic)) {}

BatchWork DeadLetterHandler::process(const Batch& batch, const GiveUp& give_up) {
    BatchWork work{BatchVerdict::Done, {}, {}, "failed results"};
    for (const auto& m : batch) {
        domain::DeadLetter letter = to_dead_letter(*m, clock_.now());
        std::optional<domain::IssueResult> failed;
        const bool stored = retry_.run(
            [&] {
                // Each attempt is one transaction; a failed one is timed too (a slow failure is what to see).
                const auto started = std::chrono::steady_clock::now();
                try {
                    failed = store_->record(letter, clock_.now());
                } catch (...) {
                    transaction_seconds_.observe(std::chrono::steady_clock::now() - started);
                    throw;
                }
                transaction_seconds_.observe(std::chrono::steady_clock::now() - started);
            },
            give_up);
        if (!stored) {
            // Giving up (stopping or revoked): the letters stored so far are kept; record() returns their
            // FAILED result again when they are read again, and it is published then.
            return {BatchVerdict::Retry, {}, {}, "failed results"};
        }
        report(letter);
        if (failed) {
            policy_metrics_.count(*failed);
            work.results.push_back(std::move(*failed));
        }
    }
    return work;
}

void DeadLetterHandler::report(const domain::DeadLetter& letter) {
    MessagingMetrics::get().dead_letters.fetch_add(1, std::memory_order_relaxed);
    if (letter.request) {
        const auto& r = *letter.request;
        log::error("dead-letter",
                   {.request_id = r.request_id,
                    .user_id = std::to_string(r.user_id),
                    .policy_id = r.policy_id,
                    .topic = letter.topic,
                    .partition = letter.partition,
                    .offset = letter.offset},
                   "dead letter #{}: request first read at {}-{}@{} failed for good: {}", letter.id,
                   letter.original_topic, letter.original_partition, letter.original_offset, letter.error);
    } else {
        log::error("dead-letter", {.topic = letter.topic, .partition = letter.partition, .offset = letter.offset},
                   "dead letter #{}: undecodable record first read at {}-{}@{}: {}", letter.id, letter.original_topic,
                   letter.original_partition, letter.original_offset, letter.error);
    }
    if (webhook_) webhook_->notify(describe_dead_letter(letter));
}

}  // namespace coupon::messaging
