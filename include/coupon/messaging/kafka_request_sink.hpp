#pragma once
// The front end's producer: hands issue requests to coupon-issue-topic (encode, produce). Its producer handles
// are shared by all HTTP threads: one lingers (linger.ms) and batches a flood, one sends at once while the
// front end is quiet (KafkaConfig::send_at_once_below_per_s and linger_from_waiting). `done` runs on that
// handle's delivery thread once the broker acknowledged the record (acks=all) or it is certain it was not
// stored. With the embedded broker the app puts a GuardedRequestSink in front of it (guarded_request_sink.hpp).
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "coupon/domain/request_sink.hpp"
#include "coupon/messaging/kafka_config.hpp"

namespace coupon::messaging {

// An issue request as the record it becomes.
struct EncodedRequest {
    std::string key;
    std::string value;
    std::int32_t partition = 0;  // chosen here, exactly as Java's partitioner would
    std::size_t bytes = 0;       // key + value + headers
};

class KafkaRequestSink final : public domain::RequestSink {
public:
    // `answers_waiting`: how many HTTP requests wait for their outcomes now (any thread, cheap: it is read
    // for every request); empty: none are counted.
    explicit KafkaRequestSink(KafkaConfig config, std::function<std::int64_t()> answers_waiting = {});
    ~KafkaRequestSink() override;
    KafkaRequestSink(const KafkaRequestSink&) = delete;
    KafkaRequestSink& operator=(const KafkaRequestSink&) = delete;

    // Creates the producer, reads the topic's partition count, starts the delivery thread.
    // Throws std::runtime_error on bad configuration.
    void start();
    void submit(const domain::IssueRequest& request, Done done) override;
    // The two halves of submit(), for a wrapper that must know where a record goes before it is produced.
    EncodedRequest encode(const domain::IssueRequest& request) const;
    void produce(const EncodedRequest& record, Done done);
    // Refuses every new request (Unavailable, "shutting down") from now on; records in flight still finish.
    void close();
    // Waits until every produced record got its delivery report and its `done` ran; false on timeout.
    bool flush(std::chrono::milliseconds timeout);
    // Refuses new requests, flushes up to `timeout`, then fails what is left (Unavailable) and joins.
    void stop(std::chrono::milliseconds timeout = std::chrono::seconds(10));

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace coupon::messaging
