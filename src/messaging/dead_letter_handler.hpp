#pragma once
// The DLT consumer's handler: each dead letter is stored (and its request marked FAILED) in one database
// transaction, the FAILED result is published so the waiting HTTP request answers 500 COUPON_ISSUE_FAILED,
// and the letter is reported (error log line, coupon_dead_letters_total, optional webhook). The DLT is the
// last stop: a database failure here is retried in place until it works or the worker must give up.
#include <memory>

#include "batch_handler.hpp"
#include "coupon/domain/clock.hpp"
#include "coupon/domain/dead_letters.hpp"
#include "coupon/messaging/kafka_config.hpp"
#include "policy_metrics.hpp"
#include "store_retry.hpp"
#include "webhook.hpp"

namespace coupon::messaging {

// Everything the DLT record says about itself and where it came from.
domain::DeadLetter to_dead_letter(const rd_kafka_message_t& m, domain::TimePoint now);
// The webhook's JSON description of a stored dead letter.
std::string describe_dead_letter(const domain::DeadLetter& letter);

class DeadLetterHandler final : public BatchHandler {
public:
    // webhook may be null (none configured); topic labels the transaction-time histogram.
    DeadLetterHandler(const std::string& topic, std::unique_ptr<domain::DeadLetterStore> store,
                      const domain::Clock& clock, DeadLetterWebhook* webhook);

    BatchWork process(const Batch& batch, const GiveUp& give_up) override;

private:
    void report(const domain::DeadLetter& letter);

    std::unique_ptr<domain::DeadLetterStore> store_;
    const domain::Clock& clock_;
    DeadLetterWebhook* webhook_;
    StoreRetry retry_;
    base::Histogram& transaction_seconds_;  // coupon_consumer_transaction_seconds{topic=<dlt>}: one per letter
    PolicyMetrics::View policy_metrics_;  // FAILED outcomes
};

}  // namespace coupon::messaging
