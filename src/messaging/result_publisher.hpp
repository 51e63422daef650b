#pragma once
// The node's producer for result records, forwards to retry topics and dead letters, and replays
// (coupon/messaging/publisher.hpp). Workers send a decided batch's records through it and commit the batch's
// offsets only once all are acknowledged (publish_pipeline.hpp), so a committed offset always has its result
// (and forward) stored.
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

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
    // Starts the producer and reads the result topic's partition count (append_result_records' partition).
    void start();

    // Produces one record; on_report (from AckWaiter::expect) runs on the producer's thread with the broker's
    // verdict. Returns the enqueue error (then on_report is not called). Safe from several workers at once.
    rd_kafka_resp_err_t send(const OutRecord& record, Producer::OnReport on_report);
    // The records of a decided batch's results, appended to `out`: key requestId; one partition for all of
    // them (batch_partition), so a batch's results are one record set, not one per policy. The embedded broker
    // walks a partition's record sets on every fetch, and the producer and the brokers pay per set: ten sets a
    // transaction cost 1,000 connections a fifth of their rate (docs/benchmark.md). Before start(): the
    // partitioner's choice by key. No reader depends on a result's partition: every node reads them all.
    void append_result_records(const std::vector<domain::IssueResult>& results, std::vector<OutRecord>& out) const;
    // The result partition of a batch: that of its first result's policy (its request's partition on the
    // issue topic, with as many partitions), so one hot policy's results stay together and members deciding
    // different policies write to different partitions. -1 (the partitioner picks) for an empty batch or
    // while the partition count is unknown (0).
    static std::int32_t batch_partition(const std::vector<domain::IssueResult>& results, std::int32_t partitions);
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
