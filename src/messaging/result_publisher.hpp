#pragma once
// The node's producer for result records, forwards to retry topics and dead letters, and replays
// (coupon/messaging/publisher.hpp). Workers send a decided batch's records through it and commit the batch's
// offsets only once all are acknowledged (publish_pipeline.hpp), so a committed offset always has its result
// (and forward) stored.
#include <string>

#include "coupon/domain/types.hpp"
#include "coupon/messaging/publisher.hpp"
#include "producer.hpp"

namespace coupon::messaging {

class ResultPublisher {
public:
    explicit ResultPublisher(const KafkaConfig& config);
    ~ResultPublisher();  // flushes for at most 10 s, then stops
    ResultPublisher(const ResultPublisher&) = delete;
    ResultPublisher& operator=(const ResultPublisher&) = delete;
    void start();

    // Produces one record; on_report (from AckWaiter::expect) runs on the producer's thread with the broker's
    // verdict. Returns the enqueue error (then on_report is not called). Safe from several workers at once.
    rd_kafka_resp_err_t send(const OutRecord& record, Producer::OnReport on_report);
    OutRecord result_record(const domain::IssueResult& result) const;
    rd_kafka_t* handle() const { return producer_.handle(); }  // for metadata lookups

private:
    KafkaConfig config_;
    Producer producer_;
};

}  // namespace coupon::messaging
