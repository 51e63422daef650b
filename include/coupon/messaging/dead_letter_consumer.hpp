#pragma once
// The DLT consumer (DESIGN.md section 3), group `<group_id>-dlt`: for every record of the DLT it builds a
// domain::DeadLetter (the DLT record's topic/partition/offset, the original topic/partition/offset from the
// kafka_original-* headers, key, payload, headers, error from kafka_exception-message, and the decoded request
// when the payload decodes; a poison record has none), calls DeadLetterStore::record (stores it and marks the
// request FAILED in one transaction), publishes the returned FAILED result to the result topic (the waiting
// HTTP request answers 500 COUPON_ISSUE_FAILED), logs it at error level, counts it
// (coupon_dead_letters_total) and, when KafkaConfig::dead_letter_webhook is set, POSTs a JSON description
// there. Offsets are committed after the store committed and the result was acknowledged. A database failure
// is retried in place (the DLT is the last stop: nothing may be lost).
#include <functional>
#include <memory>

#include "coupon/domain/clock.hpp"
#include "coupon/domain/dead_letters.hpp"
#include "coupon/messaging/kafka_config.hpp"
#include "coupon/messaging/publisher.hpp"

namespace coupon::messaging {

class DeadLetterConsumer {
public:
    // Called once per worker thread (KafkaConfig::retry.consumer_threads): one database session each.
    using StoreFactory = std::function<std::unique_ptr<domain::DeadLetterStore>()>;

    // `clock` stamps created_at; it must outlive the consumer. `publisher` sends the FAILED results.
    DeadLetterConsumer(KafkaConfig config, StoreFactory store_factory, const domain::Clock& clock,
                       std::shared_ptr<ResultPublisher> publisher);
    ~DeadLetterConsumer();  // stop()
    DeadLetterConsumer(const DeadLetterConsumer&) = delete;
    DeadLetterConsumer& operator=(const DeadLetterConsumer&) = delete;

    // Throws on bad configuration (including an unusable webhook URL).
    void start();
    // Finishes the in-flight batch, leaves the group, sends the webhook notices still queued (bounded), joins.
    void stop();
    bool assigned() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace coupon::messaging
