#include "coupon/messaging/kafka_replayer.hpp"

#include "coupon/messaging/backlog_guard.hpp"
#include "coupon/messaging/message_codec.hpp"
#include "coupon/messaging/partitioner.hpp"
#include "ack_waiter.hpp"
#include "publish_pipeline.hpp"
#include "result_publisher.hpp"
#include "spring_retry_records.hpp"

namespace coupon::messaging {

using domain::AcceptStatus;

struct KafkaReplayer::Impl {
    KafkaConfig config;
    std::chrono::milliseconds timeout;
    BacklogGuard* guard;
    std::shared_ptr<ResultPublisher> publisher;
    AckWaiter acks;  // one group per replay; a report after a timed-out wait lands in a group nobody reads
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
    impl_->partitions =
        partition_count_or(impl_->publisher->handle(), impl_->config.topics.issue, impl_->config.topics.partitions);
}

std::pair<AcceptStatus, std::string> KafkaReplayer::replay(const domain::DeadLetter& letter) {
    OutRecord record = impl_->record_for(letter);
    BacklogGuard* guard = impl_->guard;
    if (guard) {
        // Where the partitioner would put it (an empty key: the guard needs a partition, any will do).
        record.partition = partition_for_key(record.key.empty() ? std::to_string(letter.id) : record.key, impl_->partitions);
        if (!guard->try_reserve({record.topic, record.partition, stored_size(record)})) {
            return {AcceptStatus::Overloaded, "partition backlog limit reached"};
        }
    }
    AckWaiter::Then account;
    if (guard) {
        account = [guard, topic = record.topic, partition = record.partition](const Producer::Report& r) {
            guard->on_delivery(topic, partition, r.err == RD_KAFKA_RESP_ERR_NO_ERROR, r.offset);
        };
    }
    const auto acks = impl_->acks.group();
    const rd_kafka_resp_err_t err = impl_->publisher->send(record, impl_->acks.expect(acks, 0, std::move(account)));
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (guard) guard->on_delivery(record.topic, record.partition, false, -1);
        impl_->acks.refused(acks, 0, rd_kafka_err2str(err));
    }
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) return {AcceptStatus::Overloaded, "producer queue full"};
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return {AcceptStatus::Unavailable, rd_kafka_err2str(err)};
    if (!impl_->acks.wait(*acks, impl_->timeout)) {
        // It may still be stored later; a second replay is harmless (same request id).
        return {AcceptStatus::Unavailable, "no acknowledgement within " + std::to_string(impl_->timeout.count()) + " ms"};
    }
    if (const std::string error = impl_->acks.first_error(*acks); !error.empty()) return {AcceptStatus::Unavailable, error};
    return {AcceptStatus::Accepted, ""};
}

}  // namespace coupon::messaging
