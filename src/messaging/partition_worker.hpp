#pragma once
// One worker thread of a topic consumer: takes poll batches from its queue (the partitions forwarded to it),
// lets its BatchHandler deal with them, and commits the batch's offsets only when the handler says every
// record is dealt with (durably: database committed, results / forwarded records acknowledged); otherwise it
// seeks back so the records are read again. On a retry topic a DueGate holds records until they are due.
// Nothing it does throws out of run().
#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "batch_handler.hpp"
#include "due_gate.hpp"
#include "partition_ownership.hpp"

namespace coupon::messaging {

// What the workers of one topic consumer share; owned by the consumer, which outlives them.
struct WorkerContext {
    std::string topic;
    int max_batch = 500;
    rd_kafka_t* consumer = nullptr;
    PartitionOwnership* ownership = nullptr;
    DueGate* gate = nullptr;  // retry topics only
    std::atomic<bool>* stopping = nullptr;
    std::atomic<bool>* crashed = nullptr;  // a test hook simulated a process crash
};

class PartitionWorker {
public:
    PartitionWorker(int index, WorkerContext context, rd_kafka_queue_t* queue, std::unique_ptr<BatchHandler> handler);
    void run();

private:
    void take(Batch& batch, std::size_t released, std::uint64_t epoch);
    void process(Batch& batch);
    bool give_up() const;
    void rewind(const Batch& batch);
    void commit(const Batch& batch);
    void commit_pending();

    int index_;
    WorkerContext ctx_;
    rd_kafka_queue_t* queue_;
    std::unique_ptr<BatchHandler> handler_;
    std::map<std::int32_t, std::int64_t> pending_commit_;  // offsets a failed commit still owes
    std::chrono::steady_clock::time_point last_commit_warning_{};
};

}  // namespace coupon::messaging
