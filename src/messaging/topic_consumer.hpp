#pragma once
// One topic read by one consumer group member: each assigned partition is forwarded to one of N worker
// threads (partition p -> worker p % N), so a partition is processed by one thread at a time in offset order.
// The main topic, each retry topic and the DLT each get one (own group id, own handle); they differ only in
// their BatchHandler and in whether records wait for their due time.
#include <librdkafka/rdkafka.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "batch_handler.hpp"
#include "coupon/domain/clock.hpp"
#include "coupon/messaging/kafka_config.hpp"
#include "due_gate.hpp"
#include "partition_ownership.hpp"
#include "partition_worker.hpp"

namespace coupon::messaging {

class TopicConsumer {
public:
    struct Options {
        std::string topic;
        std::string group_id;
        int workers = 1;
        bool delayed = false;  // honour retry_topic-backoff-timestamp (retry topics)
    };
    // Called once per worker, before any thread runs (each gets its own database session).
    using HandlerFactory = std::function<std::unique_ptr<BatchHandler>(int worker)>;

    TopicConsumer(const KafkaConfig& config, Options options, const domain::Clock& clock);
    ~TopicConsumer();  // stop()
    TopicConsumer(const TopicConsumer&) = delete;
    TopicConsumer& operator=(const TopicConsumer&) = delete;

    // Creates the consumer, subscribes, starts the threads. Throws on bad configuration.
    void start(const HandlerFactory& make_handler);
    // Graceful: finishes in-flight batches (they commit), leaves the group (rd_kafka_consumer_close), joins.
    void stop();

    bool assigned() const { return has_assignment_.load() && !stopping_.load(); }
    std::vector<std::int32_t> owned_partitions() const { return ownership_.owned(); }
    const std::string& topic() const { return options_.topic; }

private:
    static void rebalance_callback(rd_kafka_t*, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions,
                                   void* opaque);
    void on_rebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions);
    void assign(rd_kafka_topic_partition_list_t* partitions, const std::vector<std::int32_t>& list);
    void revoke(rd_kafka_topic_partition_list_t* partitions, const std::vector<std::int32_t>& list);
    bool cooperative() const;
    void coordinate();

    const KafkaConfig& config_;
    Options options_;
    const domain::Clock& clock_;
    PartitionOwnership ownership_;
    KafkaHandle consumer_;
    std::unique_ptr<DueGate> gate_;
    std::vector<QueueHandle> worker_queues_;
    std::map<std::int32_t, QueueHandle> partition_queues_;  // forwarded to a worker queue while owned
    std::vector<std::unique_ptr<PartitionWorker>> workers_;
    std::vector<std::thread> worker_threads_;
    std::thread coordinator_;
    std::atomic<bool> stopping_{false};
    std::atomic<bool> crashed_{false};
    std::atomic<bool> has_assignment_{false};
    bool started_ = false;
};

}  // namespace coupon::messaging
