#pragma once
// The processing side: one consumer per process in the group, each assigned partition forwarded to one of
// N worker threads (partition p -> worker p % N), so a partition is processed by one thread at a time in
// offset order. A worker applies a poll batch in one database transaction, publishes one result per
// request, waits for their delivery, and only then commits the batch's offsets.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "coupon/domain/clock.hpp"
#include "coupon/domain/issue_store.hpp"
#include "coupon/messaging/kafka_config.hpp"

namespace coupon::messaging {

class IssueConsumerGroup {
public:
    // Called once per worker thread: each worker gets its own database session.
    using StoreFactory = std::function<std::unique_ptr<domain::IssueStore>()>;

    struct TestHooks {
        // Runs on the worker between the database commit and the offset commit. If it throws, the worker
        // behaves as if the process died there: no results, no offset commit, the worker stops.
        std::function<void()> after_db_commit;
    };

    IssueConsumerGroup(KafkaConfig config, StoreFactory store_factory, const domain::Clock& clock,
                       TestHooks hooks = {});
    ~IssueConsumerGroup();  // stop()
    IssueConsumerGroup(const IssueConsumerGroup&) = delete;
    IssueConsumerGroup& operator=(const IssueConsumerGroup&) = delete;

    // Creates the consumer and the result producer, subscribes, starts the threads. Throws on bad config.
    void start();
    // Graceful: finishes in-flight batches (they commit), leaves the group (rd_kafka_consumer_close), joins.
    void stop();

    // Readiness: the group assigned this member its partitions (possibly none) and it was not stopped.
    bool assigned() const;
    std::vector<std::int32_t> owned_partitions() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace coupon::messaging
