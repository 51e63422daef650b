#include "coupon/messaging/result_listener.hpp"

#include <librdkafka/rdkafka.h>

#include <array>
#include <atomic>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "client_config.hpp"
#include "coupon/base/log.hpp"
#include "coupon/messaging/message_codec.hpp"
#include "coupon/base/metrics.hpp"
#include "coupon/base/thread_name.hpp"
#include "messaging_metrics.hpp"
#include "record_view.hpp"
#include "result_publisher.hpp"

namespace coupon::messaging {
namespace {
constexpr auto kBrokerTimeout = std::chrono::seconds(10);
// Results taken per call after the first. The listener never pauses, resumes or seeks, where batch calls
// skip records in librdkafka 2.0.2 (upstream #4208; the consumer members poll one at a time for that).
constexpr std::size_t kBurst = 256;
}

struct ResultListener::Impl {
    KafkaConfig config;
    OnResult on_result;
    KafkaHandle consumer;
    QueueHandle queue;  // the consumer's queue, for the batch call
    std::atomic<bool> stopping{false};
    std::thread thread;
    std::mutex identity_mutex;  // own_identity and on_foreign: set by another thread once the database is open
    std::string own_identity;
    OnForeignDatabase on_foreign;
    base::Metrics::Value& foreign_results = base::Metrics::global().counter(
        "coupon_kafka_foreign_database_results_total",
        "results decided on another database than this node's (nodes on one Kafka cluster with different databases)");

    void compare_identity(const rd_kafka_message_t& m) {
        const auto stamped = last_header(m, kDatabaseIdHeader);
        if (!stamped || stamped->empty()) return;  // a Spring producer or an older node: nothing to compare
        std::string own;
        OnForeignDatabase call;
        {
            std::lock_guard lock(identity_mutex);
            if (own_identity.empty() || *stamped == own_identity) return;
            own = own_identity;
            call = on_foreign;
        }
        foreign_results.fetch_add(1, std::memory_order_relaxed);
        try {
            if (call) call(own, std::string(*stamped));
        } catch (const std::exception& e) {
            log::error("results", "foreign database handler threw: {}", e.what());
        }
    }

    void deliver(const rd_kafka_message_t& m) {
        const std::string_view value =
            m.payload ? std::string_view(static_cast<const char*>(m.payload), m.len) : std::string_view();
        auto decoded = decode_result(value);
        if (!decoded.value) {
            log::warn("results", {.topic = config.topics.results, .partition = m.partition, .offset = m.offset},
                      "skipping an undecodable result: {}", decoded.error);
            return;
        }
        MessagingMetrics::get().results_received.fetch_add(1, std::memory_order_relaxed);
        compare_identity(m);
        try {
            on_result(*decoded.value);
        } catch (const std::exception& e) {
            log::error("results", "result handler threw: {}", e.what());
        }
    }

    void take(MessageHandle m) {
        if (m->err) {
            if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                log::warn("results", "consume error: {}", rd_kafka_message_errstr(m.get()));
            }
            return;
        }
        deliver(*m);
    }

    void run() {
        std::array<rd_kafka_message_t*, kBurst> burst{};
        while (!stopping.load()) {
            // Wait for one result, then take what has already arrived in one call: a transaction's results
            // come together. (Only the first waits: a batch call with a timeout waits for a full batch.)
            MessageHandle first(rd_kafka_consumer_poll(consumer.get(), 100));
            if (!first) continue;
            take(std::move(first));
            const ssize_t more = rd_kafka_consume_batch_queue(queue.get(), 0, burst.data(), burst.size());
            for (ssize_t i = 0; i < more; ++i) take(MessageHandle(burst[static_cast<std::size_t>(i)]));
        }
    }
};

ResultListener::ResultListener(KafkaConfig config, OnResult on_result)
    : impl_(std::make_unique<Impl>()) {
    impl_->config = std::move(config);
    impl_->on_result = std::move(on_result);
}

ResultListener::~ResultListener() { stop(); }

void ResultListener::start() {
    Impl& l = *impl_;
    l.consumer = make_client(RD_KAFKA_CONSUMER, make_conf(l.config, ClientRole::Listener));
    const std::string& topic = l.config.topics.results;
    const std::int32_t partitions = partition_count(l.consumer.get(), topic, kBrokerTimeout);
    // Explicit offsets, not OFFSET_END: END would be resolved later and could skip a result produced
    // between start() returning and the fetcher's first ListOffsets.
    PartitionList assignment(rd_kafka_topic_partition_list_new(partitions));
    for (std::int32_t p = 0; p < partitions; ++p) {
        int64_t low = 0, high = 0;
        const rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(
            l.consumer.get(), topic.c_str(), p, &low, &high, static_cast<int>(kBrokerTimeout.count() * 1000));
        if (err) throw std::runtime_error("watermarks of " + topic + ": " + rd_kafka_err2str(err));
        rd_kafka_topic_partition_list_add(assignment.get(), topic.c_str(), p)->offset = high;
    }
    if (rd_kafka_resp_err_t err = rd_kafka_assign(l.consumer.get(), assignment.get())) {
        throw std::runtime_error("assign " + topic + ": " + rd_kafka_err2str(err));
    }
    l.queue.reset(rd_kafka_queue_get_consumer(l.consumer.get()));
    log::info("results", "reading all {} partitions of {} from their ends", partitions, topic);
    l.thread = std::thread([&l] {
        base::name_this_thread("results");
        l.run();
    });
}

void ResultListener::watch_database_identity(std::string own, OnForeignDatabase on_foreign) {
    std::lock_guard lock(impl_->identity_mutex);
    impl_->own_identity = std::move(own);
    impl_->on_foreign = std::move(on_foreign);
}

void ResultListener::stop() {
    Impl& l = *impl_;
    if (!l.consumer || l.stopping.exchange(true)) return;
    if (l.thread.joinable()) l.thread.join();
    l.queue.reset();
    rd_kafka_consumer_close(l.consumer.get());
    l.consumer.reset();
}

}  // namespace coupon::messaging
