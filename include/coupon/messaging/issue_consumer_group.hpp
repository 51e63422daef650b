#pragma once
// The processing side: the main issue topic and its retry topics (DESIGN.md section 3), each read by its own
// consumer group member (group ids: group_id for the main topic, group_id + the topic's suffix for a retry
// topic, e.g. "coupon-issue-consumer-group-retry-1000", as Spring names them). Each assigned partition is
// forwarded to one worker thread, so a partition is processed by one thread at a time in offset order.
// A worker applies a poll batch in one database transaction, publishes one result per request, waits for
// their delivery, and only then commits the batch's offsets.
//
// Failures: an undecodable record goes to the DLT at once. When the database fails a batch (StoreError), each
// of its requests is forwarded to the next retry topic (due delay, delay*multiplier, ... later; see
// KafkaConfig::retry) and, after the last attempt, to the DLT, where DeadLetterConsumer records it as FAILED.
// A retry topic's records are never processed before their due time; waiting pauses only their partition.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "coupon/domain/clock.hpp"
#include "coupon/domain/issue_store.hpp"
#include "coupon/messaging/kafka_config.hpp"
#include "coupon/messaging/publisher.hpp"

namespace coupon::messaging {

class BacklogGuard;

class IssueConsumerGroup {
public:
    // Called once per worker thread (main and retry topics): each worker gets its own database session.
    using StoreFactory = std::function<std::unique_ptr<domain::IssueStore>()>;

    struct TestHooks {
        // Runs on a main-topic worker between the database commit and the offset commit. If it throws, the
        // worker behaves as if the process died there: no results, no offset commit, the worker stops.
        std::function<void()> after_db_commit;
    };

    // `clock` decides issue windows and retry due times; it must outlive the group. `guard` (embedded broker
    // only, else null) must too: forwarding to a retry topic or the DLT waits for room there. `publisher`
    // sends the results and forwards of every stage (start_publisher).
    IssueConsumerGroup(KafkaConfig config, StoreFactory store_factory, const domain::Clock& clock,
                       std::shared_ptr<ResultPublisher> publisher, TestHooks hooks = {},
                       BacklogGuard* guard = nullptr);
    ~IssueConsumerGroup();  // stop()
    IssueConsumerGroup(const IssueConsumerGroup&) = delete;
    IssueConsumerGroup& operator=(const IssueConsumerGroup&) = delete;

    // Creates the consumers, subscribes, starts the threads. Throws on bad config.
    void start();
    // Graceful: finishes in-flight batches (they commit), leaves the groups (rd_kafka_consumer_close), joins.
    void stop();

    // Readiness: every topic's group assigned this member its partitions (possibly none), not stopped.
    bool assigned() const;
    // Partitions of the main issue topic this member owns.
    std::vector<std::int32_t> owned_partitions() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace coupon::messaging
