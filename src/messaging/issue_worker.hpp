#pragma once
// One worker thread of the consumer group: takes poll batches from its queue (the partitions forwarded to
// it), applies each batch in one database transaction, publishes the results, waits for their delivery,
// then commits the batch's offsets. Nothing it does throws out of run().
#include <librdkafka/rdkafka.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "client_config.hpp"
#include "coupon/domain/clock.hpp"
#include "coupon/domain/issue_store.hpp"
#include "partition_ownership.hpp"
#include "result_publisher.hpp"
#include "store_retry.hpp"

namespace coupon::messaging {

// What the workers share; owned by the consumer group, which outlives them.
struct WorkerContext {
    const KafkaConfig* config = nullptr;
    rd_kafka_t* consumer = nullptr;
    PartitionOwnership* ownership = nullptr;
    ResultPublisher* publisher = nullptr;
    const domain::Clock* clock = nullptr;
    std::function<void()> after_db_commit;
    std::atomic<bool>* stopping = nullptr;
    std::atomic<bool>* crashed = nullptr;  // a test hook simulated a process crash
};

class IssueWorker {
public:
    IssueWorker(int index, WorkerContext context, rd_kafka_queue_t* queue, std::unique_ptr<domain::IssueStore> store);
    void run();

private:
    using Batch = std::vector<MessageHandle>;
    void take(Batch& batch, std::uint64_t epoch);
    void process(const Batch& batch);
    bool give_up() const;
    bool publish(const std::vector<OutRecord>& records, const char* what);
    void rewind(const Batch& batch);
    void commit(const Batch& batch);
    void commit_pending();

    int index_;
    WorkerContext ctx_;
    rd_kafka_queue_t* queue_;
    std::unique_ptr<domain::IssueStore> store_;
    StoreRetry retry_;
    std::map<std::int32_t, std::int64_t> pending_commit_;  // offsets a failed commit still owes
    std::chrono::steady_clock::time_point last_commit_warning_{};
};

}  // namespace coupon::messaging
