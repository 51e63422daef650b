#include "coupon/messaging/kafka_replayer.hpp"

#include <future>

#include "coupon/base/log.hpp"
#include "coupon/messaging/backlog_guard.hpp"
#include "coupon/messaging/message_codec.hpp"
#include "coupon/messaging/partitioner.hpp"
#include "spring_retry_records.hpp"
#include "result_publisher.hpp"
#include "publish_pipeline.hpp"

namespace coupon::messaging {

using domain::AcceptStatus;

struct KafkaReplayer::Impl {
    KafkaConfig config;
    std::chrono::milliseconds timeout;
    BacklogGuard* guard;
    std::shared_ptr<ResultPublisher> publisher;
    std::int32_t partitions = 0;  // of the issue topic; read only with a guard, which must know the partition

    Impl(KafkaConfig c, std::shared_ptr<ResultPublisher> p, std::chrono::milliseconds t, BacklogGuard* g)
        : config(std::move(c)), timeout(t), guard(g), publisher(std::move(p)) {}

    OutRecord record_for(const domain::DeadLetter& letter) const {
        OutRecord r;
        r.topic = config.topics.issue;
        std::string type_id(kRequestTypeId);
        for (const auto& [name, value] : letter.headers) {
            if (name == kTypeIdHeader) type_id = value;
        }
        if (letter.request) {
            r.key = letter.key.empty() ? request_key(*letter.request) : letter.key;
            r.value = encode_request(*letter.request);
            type_id = kRequestTypeId;  // our own encoding
        } else {
            r.key = letter.key;
            r.value = letter.payload;
        }
        r.headers.emplace_back(std::string(kTypeIdHeader), type_id);
        // Marks the operator's decision: this copy may replace the stored FAILED (a plain duplicate may not).
        r.headers.emplace_back(kReplayHeader, std::to_string(letter.id));
        return r;
    }
};

KafkaReplayer::KafkaReplayer(KafkaConfig config, std::shared_ptr<ResultPublisher> publisher,
                             std::chrono::milliseconds timeout, BacklogGuard* guard)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(publisher), timeout, guard)) {}

KafkaReplayer::~KafkaReplayer() = default;

void KafkaReplayer::start() {
    if (!impl_->guard) return;
    try {
        impl_->partitions = partition_count(impl_->publisher->handle(), impl_->config.topics.issue, std::chrono::seconds(10));
    } catch (const std::exception& e) {
        impl_->partitions = impl_->config.topics.partitions;
        log::warn("kafka", "{}; assuming {} partitions", e.what(), impl_->partitions);
    }
}

std::pair<AcceptStatus, std::string> KafkaReplayer::replay(const domain::DeadLetter& letter) {
    using Verdict = std::pair<AcceptStatus, std::string>;
    // Shared with the delivery callback, which may run after a timed-out wait.
    auto promise = std::make_shared<std::promise<Verdict>>();
    auto verdict = promise->get_future();
    OutRecord record = impl_->record_for(letter);
    BacklogGuard* guard = impl_->guard;
    if (guard) {
        // Where the partitioner would put it (an empty key: the guard needs a partition, any will do).
        record.partition = partition_for_key(record.key.empty() ? std::to_string(letter.id) : record.key, impl_->partitions);
        if (!guard->try_reserve({record.topic, record.partition, stored_size(record)})) {
            return {AcceptStatus::Overloaded, "partition backlog limit reached"};
        }
    }
    const rd_kafka_resp_err_t err = impl_->publisher->send(
        record, [promise, guard, topic = record.topic, partition = record.partition](
                    rd_kafka_resp_err_t e, const std::string& reason, std::int64_t offset) {
            if (guard) guard->on_delivery(topic, partition, e == RD_KAFKA_RESP_ERR_NO_ERROR, offset);
            promise->set_value(e == RD_KAFKA_RESP_ERR_NO_ERROR
                                   ? Verdict{AcceptStatus::Accepted, ""}
                                   : Verdict{AcceptStatus::Unavailable, std::string(rd_kafka_err2name(e)) + ": " + reason});
        });
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR && guard) guard->on_delivery(record.topic, record.partition, false, -1);
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) return {AcceptStatus::Overloaded, "producer queue full"};
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return {AcceptStatus::Unavailable, rd_kafka_err2str(err)};
    if (verdict.wait_for(impl_->timeout) != std::future_status::ready) {
        // It may still be stored later; a second replay is harmless (same request id).
        return {AcceptStatus::Unavailable, "no acknowledgement within " + std::to_string(impl_->timeout.count()) + " ms"};
    }
    return verdict.get();
}

}  // namespace coupon::messaging
