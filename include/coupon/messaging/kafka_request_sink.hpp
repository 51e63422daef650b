#pragma once
// The front end's producer: hands issue requests to coupon-issue-topic. One producer handle is shared by
// all HTTP threads; `done` runs on the sink's delivery thread once the broker acknowledged the record
// (acks=all) or it is certain it was not stored. With the embedded broker a backlog guard refuses a request
// (Overloaded) when its partition's unconsumed backlog would pass the configured limit.
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "coupon/domain/request_sink.hpp"
#include "coupon/messaging/kafka_config.hpp"

namespace coupon::messaging {

struct PartitionBacklog {
    std::int32_t partition = 0;
    std::int64_t records = 0;  // produced but not yet committed by the consumer group (estimate, >= truth)
    std::int64_t bytes = 0;    // records x conservative stored size
};

class KafkaRequestSink final : public domain::RequestSink {
public:
    explicit KafkaRequestSink(KafkaConfig config);
    ~KafkaRequestSink() override;
    KafkaRequestSink(const KafkaRequestSink&) = delete;
    KafkaRequestSink& operator=(const KafkaRequestSink&) = delete;

    // Creates the producer, reads the topic's partition count, starts the delivery and backlog threads.
    // Throws std::runtime_error on bad configuration.
    void start();
    void submit(const domain::IssueRequest& request, Done done) override;
    // Waits until every produced record got its delivery report; false on timeout.
    bool flush(std::chrono::milliseconds timeout);
    // Refuses new requests, flushes up to `timeout`, then fails what is left (Unavailable) and joins.
    void stop(std::chrono::milliseconds timeout = std::chrono::seconds(10));

    bool backlog_guard_enabled() const;
    // Current estimate per partition of the issue topic (empty when the guard is off).
    std::vector<PartitionBacklog> backlog() const;
    // Takes a fresh sample from the broker now (tests; the background thread does it periodically).
    void refresh_backlog();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace coupon::messaging
