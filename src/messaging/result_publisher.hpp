#pragma once
// The node's producer for result records, forwards to retry topics and dead letters, and replays
// (coupon/messaging/publisher.hpp). Workers send a decided batch's records through it and commit the batch's
// offsets only once all are acknowledged (publish_pipeline.hpp), so a committed offset always has its result
// (and forward) stored.
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

#include "coupon/domain/types.hpp"
#include "coupon/messaging/publisher.hpp"
#include "producer.hpp"

namespace coupon::messaging {

// On every result record: the identity of the database that decided it (store::Database::identity()). Result
// listeners compare it with their own database's (result_listener.hpp); records without it (Spring producers,
// older nodes) are not compared.
inline constexpr const char* kDatabaseIdHeader = "coupon_database-id";

class ResultPublisher {
public:
    explicit ResultPublisher(const KafkaConfig& config);
    ~ResultPublisher();  // flushes for at most 10 s, then stops
    ResultPublisher(const ResultPublisher&) = delete;
    ResultPublisher& operator=(const ResultPublisher&) = delete;
    // Starts the producer and reads the result topic's partition count (result_record's partitions).
    void start();

    // Produces one record; on_report (from AckWaiter::expect) runs on the producer's thread with the broker's
    // verdict. Returns the enqueue error (then on_report is not called). Safe from several workers at once.
    rd_kafka_resp_err_t send(const OutRecord& record, Producer::OnReport on_report);
    // The result's record: key requestId; partition that of its policy (as its request's on the issue topic),
    // so a decided batch's results are one record set, not one per partition. The embedded broker walks a
    // partition's record sets on every fetch, and ten sets a transaction cost 1,000 connections a fifth of
    // their rate (docs/benchmark.md). Before start(): the partitioner's choice by key.
    OutRecord result_record(const domain::IssueResult& result) const;
    // Stamped on every result record from now on (kDatabaseIdHeader); set when the database is open.
    void set_database_identity(std::string identity);
    rd_kafka_t* handle() const { return producer_.handle(); }  // for metadata lookups

private:
    KafkaConfig config_;
    Producer producer_;
    std::atomic<std::int32_t> partitions_{0};  // of the result topic; 0 until start() read it
    mutable std::mutex identity_mutex_;
    std::string identity_;
};

}  // namespace coupon::messaging
