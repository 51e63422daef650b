#include "coupon/messaging/guarded_request_sink.hpp"

#include "coupon/base/log.hpp"
#include "messaging_metrics.hpp"

namespace coupon::messaging {

using domain::AcceptStatus;

GuardedRequestSink::GuardedRequestSink(KafkaRequestSink& inner, BacklogGuard& guard, std::string topic)
    : inner_(inner), guard_(guard), topic_(std::move(topic)) {}

void GuardedRequestSink::submit(const domain::IssueRequest& request, Done done) {
    EncodedRequest record = inner_.encode(request);
    const std::int32_t partition = record.partition;
    if (!guard_.try_reserve(BacklogGuard::Slot{topic_, partition, record.bytes})) {
        MessagingMetrics::get().refused_overloaded.fetch_add(1, std::memory_order_relaxed);
        try {
            if (done) done(AcceptStatus::Overloaded, "partition backlog limit reached", {});
        } catch (const std::exception& e) {
            log::error("kafka", "request callback threw: {}", e.what());
        }
        return;
    }
    // The inner sink calls back exactly once, also when it refuses without producing.
    inner_.produce(record, [this, partition, done = std::move(done)](AcceptStatus status, const std::string& detail,
                                                                     domain::RecordLocation where) {
        // A record that may have been stored (Unknown) is counted as stored: the estimate must not fall below
        // the truth.
        guard_.on_delivery(topic_, partition, status == AcceptStatus::Accepted || status == AcceptStatus::Unknown,
                           where.offset);
        if (done) done(status, detail, where);
    });
}

}  // namespace coupon::messaging
