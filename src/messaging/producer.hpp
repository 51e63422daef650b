#pragma once
// A producer handle plus the thread that serves its delivery reports. Each produce() carries its own
// callback, called exactly once from that thread (or from stop()) with the broker's verdict. Whoever waits
// for those verdicts waits through an AckWaiter (ack_waiter.hpp), which makes the callbacks.
#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "client_config.hpp"
#include "coupon/base/metrics.hpp"
#include "producer_stats.hpp"

namespace coupon::messaging {

struct OutRecord {
    std::string topic;
    std::int32_t partition = RD_KAFKA_PARTITION_UA;  // UA: the configured partitioner picks
    std::string key;
    std::string value;
    std::vector<std::pair<std::string, std::string>> headers;
};

class Producer {
public:
    // The broker's verdict on one record. err is NO_ERROR when it stored the record (with the configured acks);
    // offset is RD_KAFKA_OFFSET_INVALID when librdkafka does not know it (a record acknowledged implicitly by
    // the success of a later batch of its partition). On a failed record, status is librdkafka's verdict:
    // NOT_PERSISTED (certainly not stored, e.g. it timed out before it was sent) or POSSIBLY_PERSISTED (sent,
    // then timed out: it may be stored).
    struct Report {
        rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
        std::string reason;
        std::int64_t offset = RD_KAFKA_OFFSET_INVALID;
        rd_kafka_msg_status_t status = RD_KAFKA_MSG_STATUS_NOT_PERSISTED;
    };
    using OnReport = std::function<void(const Report& report)>;

    // overrides: properties this producer needs whatever the user configured.
    Producer(const KafkaConfig& config, std::string name, Properties overrides = {});
    ~Producer();
    Producer(const Producer&) = delete;
    Producer& operator=(const Producer&) = delete;

    void start();  // throws on bad configuration
    // One metadata round trip, so the handle is connected before its first record: an idempotent producer
    // asks for its producer id only once a broker is up, and a first record would otherwise wait for that
    // (about a second on the embedded broker). False when no broker answered within `timeout`.
    bool connect(std::chrono::milliseconds timeout);
    // Returns the enqueue error (QUEUE_FULL, unknown topic, ...); then on_report is NOT called.
    rd_kafka_resp_err_t produce(const OutRecord& record, OnReport on_report);
    // Flushes up to `timeout`, then purges what is left (its callbacks report _PURGE_*) and joins.
    void stop(std::chrono::milliseconds timeout);
    rd_kafka_t* handle() const { return rk_.get(); }

private:
    static void on_delivery_report(rd_kafka_t* rk, const rd_kafka_message_t* message, void* opaque);
    static int on_statistics(rd_kafka_t* rk, char* json, std::size_t json_len, void* opaque);
    void poll_loop();
    // The handle of `topic`, made at its first record and kept until stop(): given a name instead,
    // librdkafka looks the topic up under its client's write lock for every record. Null: see
    // rd_kafka_last_error(). Called with handle_mutex_ held.
    rd_kafka_topic_t* topic_handle(const std::string& topic);

    KafkaConfig config_;
    std::string name_;
    Properties overrides_;
    base::Histogram& delivery_seconds_;  // coupon_kafka_produce_delivery_seconds{producer=name_}
    ProducerStats stats_;                // queue depth and broker round trips
    mutable std::shared_mutex handle_mutex_;  // produce (shared) vs. the handle's destruction
    KafkaHandle rk_;
    std::mutex topics_mutex_;
    std::vector<std::pair<std::string, rd_kafka_topic_t*>> topics_;  // destroyed before rk_
    std::atomic<bool> stopping_{false};
    std::thread poller_;
};

}  // namespace coupon::messaging
