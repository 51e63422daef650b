#pragma once
// One consumer-group member on its own thread with its own librdkafka handle: it polls, decides batches
// through its BatchHandler, publishes their records through a PublishPipeline and commits through an
// OffsetCommitter. Rebalance and commit callbacks are served by its own poll, on its own thread, so the
// partitions it owns never change while it decides a batch, and nothing is handed between threads
// (librdkafka INTRODUCTION: a handle per thread; STYLE.md 8).
//
// Loop: settle acknowledged batches -> commit asynchronously -> poll a batch (up to max_poll_records of
// whatever is already fetched, waiting only for the first record) -> decide it -> push its records -> next.
// While a handler waits (database backoff, a full next topic), the worker pauses its partitions and keeps
// serving its poll: rebalances and heartbeats go on, and a revoke makes the handler give up.
//
// Records are never dropped without a commit being withheld: a batch that is not decided (Retry) is decided
// again from memory, unless its partitions were revoked (the next owner re-reads from the committed offset)
// or the worker is stopping. There is no seek: librdkafka 2.0.2's seek is asynchronous (upstream #4230) and
// its batch consume skips records around pause/resume (#4208), so records are read one poll at a time.
#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "batch_handler.hpp"
#include "coupon/base/heartbeat.hpp"
#include "consumer_lag.hpp"
#include "coupon/domain/clock.hpp"
#include "coupon/messaging/kafka_config.hpp"
#include "due_gate.hpp"
#include "offset_committer.hpp"
#include "publish_pipeline.hpp"

namespace coupon::messaging {

class ResultPublisher;
class BacklogGuard;

struct WorkerSettings {
    std::string topic;
    std::string group_id;
    int index = 0;
    bool delayed = false;  // honour retry_topic-backoff-timestamp (retry topics)
    std::chrono::milliseconds min_fetch_wait{0};  // raises fetch.wait.max.ms (TopicConsumer::Options)
    int max_batch = 5000;
    std::chrono::milliseconds drain_timeout{10000};  // stop: how long to wait for in-flight acknowledgements
    PublishPipeline::Sender sender;  // which decided batches are produced on a thread of their own
};

class ConsumerWorker {
public:
    // guard: null with a real Kafka cluster (publish_pipeline.hpp).
    ConsumerWorker(const KafkaConfig& config, WorkerSettings settings, const domain::Clock& clock,
                   ResultPublisher& publisher, BacklogGuard* guard, std::unique_ptr<BatchHandler> handler);
    ~ConsumerWorker();
    ConsumerWorker(const ConsumerWorker&) = delete;
    ConsumerWorker& operator=(const ConsumerWorker&) = delete;

    // Creates the handle and subscribes (throws on bad configuration); run() is the thread body.
    void start();
    void run();
    // Asks run() to finish: in-flight batches are stored and committed (bounded), then the member leaves.
    void request_stop() { stopping_.store(true); }
    bool crashed() const { return crashed_.load(); }

    bool assigned() const { return has_assignment_.load() && !stopping_.load(); }
    std::vector<std::int32_t> owned() const;

private:
    static int statistics_callback(rd_kafka_t*, char* json, std::size_t json_len, void* opaque);
    static void rebalance_callback(rd_kafka_t*, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions,
                                   void* opaque);
    void on_rebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions);
    void on_assign(rd_kafka_topic_partition_list_t* partitions, const std::set<std::int32_t>& list);
    void on_revoke(rd_kafka_topic_partition_list_t* partitions, const std::set<std::int32_t>& list);
    // Incremental (cooperative) or whole (eager) assign / unassign, by the group's protocol.
    const std::string& rebalance_protocol();
    void change_assignment(rd_kafka_topic_partition_list_t* partitions, bool add);

    Batch gather();
    void decide(Batch& batch);
    // Record timestamps for the lag in seconds (consumer_lag.hpp), before and after a batch is decided.
    void note_taking(const Batch& batch);
    void note_decided(const Batch& batch);
    bool give_up();
    void hold_partitions();
    void release_partitions();
    void settle_and_commit();
    bool drain(std::chrono::steady_clock::time_point until);
    void finish();
    void leave_group();
    int assignment_size();
    bool owns(std::int32_t partition) const;

    struct Waker;  // lets delivery callbacks interrupt the worker's poll, safely after it is gone too

    const KafkaConfig& config_;
    WorkerSettings settings_;
    const domain::Clock& clock_;
    std::unique_ptr<BatchHandler> handler_;
    std::shared_ptr<Waker> waker_;
    KafkaHandle consumer_;
    QueueHandle consumer_queue_;  // to wake a blocked poll when a batch is acknowledged
    std::unique_ptr<DueGate> gate_;
    PublishPipeline pipeline_;
    OffsetCommitter committer_;
    ConsumerLag lag_;
    base::Histogram& batch_records_;  // coupon_consumer_batch_records{topic}
    Offsets committable_;

    mutable std::mutex owned_mutex_;  // owned_ is read by other threads (readiness, metrics)
    std::set<std::int32_t> owned_;
    std::set<std::int32_t> deciding_;      // partitions of the batch being decided
    bool deciding_revoked_ = false;        // one of them was revoked meanwhile
    std::set<std::int32_t> held_;          // partitions this worker paused while a handler waits
    Batch stash_;                          // records polled while holding: they come next
    // Beaten every time round the loop and while a handler waits (give_up); a batch's database work counts as a
    // bounded wait (base/heartbeat.hpp). Registered by start(), dropped when the loop ends.
    std::shared_ptr<base::Heartbeat> heartbeat_;
    std::atomic<bool> stopping_{false};
    std::atomic<bool> crashed_{false};
    std::atomic<bool> has_assignment_{false};
    std::uint64_t rebalance_events_ = 0;  // rebalance callbacks served (leave_group waits for quiet)
    std::string protocol_ = "NONE";  // last rebalance protocol librdkafka named (see rebalance_protocol())
};

}  // namespace coupon::messaging
