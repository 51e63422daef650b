#include "coupon/messaging/kafka_request_sink.hpp"

#include <algorithm>
#include <atomic>
#include <memory>

#include "coupon/base/log.hpp"
#include "coupon/messaging/message_codec.hpp"
#include "coupon/messaging/partitioner.hpp"
#include "ack_waiter.hpp"
#include "linger_governor.hpp"
#include "messaging_metrics.hpp"
#include "producer.hpp"

namespace coupon::messaging {

using domain::AcceptStatus;

namespace {
constexpr const char* kQuietLingerMs = "1";
}  // namespace

struct KafkaRequestSink::Impl {
    KafkaConfig config;
    Producer producer;
    // linger.ms that adapts: librdkafka fixes it for a handle's life, so a second handle with a 1 ms linger
    // takes the records while the front end is quiet (linger_governor.hpp); null when the rate is 0.
    std::unique_ptr<Producer> quiet_producer;
    LingerGovernor governor;
    std::function<std::int64_t()> answers_waiting;
    AckWaiter acks;  // every record produced and not yet answered: what flush() waits for
    std::int32_t partitions = 0;
    std::atomic<bool> accepting{false};
    MessagingMetrics& metrics = MessagingMetrics::get();

    Impl(KafkaConfig c, std::function<std::int64_t()> waiting)
        : config(std::move(c)),
          producer(config, "requests"),
          quiet_producer(config.send_at_once_below_per_s > 0
                             ? std::make_unique<Producer>(config, "requests-quiet", Properties{{"linger.ms", kQuietLingerMs}})
                             : nullptr),
          governor(config.send_at_once_below_per_s, config.linger_from_waiting),
          answers_waiting(std::move(waiting)) {}

    Producer& lane() {
        if (!quiet_producer) return producer;
        const std::int64_t waiting = answers_waiting ? answers_waiting() : 0;
        return governor.send_now(LingerGovernor::Clock::now(), waiting) ? *quiet_producer : producer;
    }

    static void report(const Done& done, AcceptStatus status, const std::string& detail,
                       domain::RecordLocation where = {}) {
        // `done` belongs to the front end; nothing it throws may reach librdkafka or the caller's loop.
        try {
            if (done) done(status, detail, where);
        } catch (const std::exception& e) {
            log::error("kafka", "request callback threw: {}", e.what());
        } catch (...) {
            log::error("kafka", "request callback threw");
        }
    }

    void refuse(const Done& done, AcceptStatus status, const std::string& detail) {
        (status == AcceptStatus::Overloaded ? metrics.refused_overloaded : metrics.refused_unavailable)
            .fetch_add(1, std::memory_order_relaxed);
        report(done, status, detail);
    }
};

KafkaRequestSink::KafkaRequestSink(KafkaConfig config, std::function<std::int64_t()> answers_waiting)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(answers_waiting))) {}

KafkaRequestSink::~KafkaRequestSink() { stop(std::chrono::seconds(5)); }

void KafkaRequestSink::start() {
    impl_->producer.start();
    if (impl_->quiet_producer) {
        impl_->quiet_producer->start();
        (void)impl_->quiet_producer->connect(std::chrono::seconds(1));  // else: partition_count below says why
    }
    // The partition is chosen here, exactly as Java's partitioner would, so a backlog guard in front of the
    // sink accounts the record to the partition it really lands in.
    impl_->partitions =
        partition_count_or(impl_->producer.handle(), impl_->config.topics.issue, impl_->config.topics.partitions);
    impl_->accepting = true;
}

EncodedRequest KafkaRequestSink::encode(const domain::IssueRequest& request) const {
    EncodedRequest record;
    record.key = request_key(request);
    record.value = encode_request(request);
    record.partition = partition_for_key(record.key, impl_->partitions);
    record.bytes = record.key.size() + record.value.size() + kTypeIdHeader.size() + kRequestTypeId.size();
    return record;
}

void KafkaRequestSink::submit(const domain::IssueRequest& request, Done done) { produce(encode(request), std::move(done)); }

void KafkaRequestSink::produce(const EncodedRequest& encoded, Done done) {
    Impl& s = *impl_;
    if (!s.accepting.load(std::memory_order_acquire)) {
        s.refuse(done, AcceptStatus::Unavailable, "shutting down");
        return;
    }
    OutRecord record;
    record.topic = s.config.topics.issue;
    record.key = encoded.key;
    record.value = encoded.value;
    record.headers.emplace_back(std::string(kTypeIdHeader), std::string(kRequestTypeId));
    record.partition = encoded.partition;
    s.metrics.produced.fetch_add(1, std::memory_order_relaxed);
    Impl* impl = &s;
    const std::int32_t partition = encoded.partition;
    auto answer = [impl, partition, done](const Producer::Report& r) {
        const rd_kafka_resp_err_t e = r.err;
        if (e == RD_KAFKA_RESP_ERR_NO_ERROR) {
            impl->metrics.accepted.fetch_add(1, std::memory_order_relaxed);
            Impl::report(done, AcceptStatus::Accepted, "", {partition, r.offset < 0 ? -1 : r.offset});
        } else if (r.status != RD_KAFKA_MSG_STATUS_NOT_PERSISTED) {
            // Sent, then timed out (or purged in flight): only the topic knows whether it is there.
            log::warn("kafka", "request record may or may not be stored: {}: {}", rd_kafka_err2name(e), r.reason);
            Impl::report(done, AcceptStatus::Unknown, std::string(rd_kafka_err2name(e)) + ": " + r.reason);
        } else {
            impl->refuse(done, AcceptStatus::Unavailable, std::string(rd_kafka_err2name(e)) + ": " + r.reason);
        }
    };
    const rd_kafka_resp_err_t err = s.lane().produce(record, s.acks.expect(nullptr, 0, std::move(answer)));
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return;
    s.acks.refused(nullptr, 0, rd_kafka_err2str(err));
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        s.refuse(done, AcceptStatus::Overloaded, "producer queue full");
    } else {
        s.refuse(done, AcceptStatus::Unavailable, rd_kafka_err2str(err));
    }
}

void KafkaRequestSink::close() {
    if (impl_) impl_->accepting = false;
}

bool KafkaRequestSink::flush(std::chrono::milliseconds timeout) { return impl_->acks.wait_all(timeout); }

void KafkaRequestSink::stop(std::chrono::milliseconds timeout) {
    if (!impl_) return;
    impl_->accepting = false;
    // Both within the one bound (the quiet producer gets what the other left of it); each fails what is left
    // with Unavailable through the callbacks.
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    impl_->producer.stop(timeout);
    if (impl_->quiet_producer) {
        impl_->quiet_producer->stop(std::max(std::chrono::milliseconds(0),
                                             std::chrono::duration_cast<std::chrono::milliseconds>(
                                                 deadline - std::chrono::steady_clock::now())));
    }
}

}  // namespace coupon::messaging
