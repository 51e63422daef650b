#pragma once
// One topic read by N group members of this node, each a ConsumerWorker with its own handle and thread
// (consumer_worker.hpp). The group spreads the partitions over every member of every node; a partition
// is processed by one thread at a time, in offset order. The main topic, each retry topic and the DLT
// each get one (own group id); they differ only in their BatchHandler and in whether records wait for
// their due time.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "batch_handler.hpp"
#include "consumer_worker.hpp"
#include "coupon/domain/clock.hpp"
#include "coupon/messaging/kafka_config.hpp"

namespace coupon::messaging {

class ResultPublisher;
class BacklogGuard;

// What the quiet stages (Options::min_fetch_wait) use: a retry record is handed out at most this late after
// its due time (its delay is 1 s or more), a dead letter this late after it was forwarded.
inline constexpr std::chrono::milliseconds kQuietFetchWait{100};

class TopicConsumer {
public:
    struct Options {
        std::string topic;
        std::string group_id;
        int workers = 1;
        bool delayed = false;  // honour retry_topic-backoff-timestamp (retry topics)
        // Stages no answer waits on (retry topics, whose records wait a second or more anyway, and the DLT)
        // fetch at most this often: on the embedded broker a fetch waits its full fetch.wait.max.ms whether
        // or not records are there, so every idle member costs the two cores a fetch every few ms.
        std::chrono::milliseconds min_fetch_wait{0};
    };
    // Called once per worker, before any thread runs (each gets its own database session).
    using HandlerFactory = std::function<std::unique_ptr<BatchHandler>(int worker)>;

    // guard (embedded broker only, else null): what the members produce waits for room (publish_pipeline.hpp).
    TopicConsumer(const KafkaConfig& config, Options options, const domain::Clock& clock, ResultPublisher& publisher,
                  BacklogGuard* guard = nullptr);
    ~TopicConsumer();  // stop()
    TopicConsumer(const TopicConsumer&) = delete;
    TopicConsumer& operator=(const TopicConsumer&) = delete;

    // Creates the members, subscribes, starts the threads. Throws on bad configuration.
    void start(const HandlerFactory& make_handler);
    // Graceful: in-flight batches are stored and committed (bounded), the members leave the group, joins.
    void stop();

    // Every member got its first assignment (possibly empty) and none is stopping.
    bool assigned() const;
    std::vector<std::int32_t> owned_partitions() const;

private:
    // A member's thread: "issue-0", "retry-1000-0", "dlt-0"; its sender's adds "-send".
    std::string thread_name(int worker) const;

    const KafkaConfig& config_;
    Options options_;
    const domain::Clock& clock_;
    ResultPublisher& publisher_;
    BacklogGuard* guard_;
    std::vector<std::unique_ptr<ConsumerWorker>> workers_;
    std::vector<std::thread> threads_;
    bool started_ = false;
};

}  // namespace coupon::messaging
