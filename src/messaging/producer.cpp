#include "producer.hpp"

#include <memory>
#include <mutex>

#include "coupon/base/log.hpp"
#include "coupon/base/thread_name.hpp"
#include "messaging_metrics.hpp"

namespace coupon::messaging {
namespace {

constexpr int kStatisticsIntervalMs = 5000;  // queue depth and round trips (producer_stats.hpp), unless configured

}  // namespace

Producer::Producer(const KafkaConfig& config, std::string name, Properties overrides)
    : config_(config),
      name_(std::move(name)),
      overrides_(std::move(overrides)),
      delivery_seconds_(MessagingMetrics::delivery_seconds(name_)),
      stats_(name_) {}

Producer::~Producer() { stop(std::chrono::seconds(5)); }

void Producer::start() {
    ConfHandle conf = make_conf(config_, ClientRole::Producer, overrides_);
    rd_kafka_conf_set_dr_msg_cb(conf.get(), &Producer::on_delivery_report);
    rd_kafka_conf_set_opaque(conf.get(), this);
    if (!config_.producer.count("statistics.interval.ms") && !config_.common.count("statistics.interval.ms")) {
        set_property(conf.get(), "statistics.interval.ms", std::to_string(kStatisticsIntervalMs));
    }
    rd_kafka_conf_set_stats_cb(conf.get(), &Producer::on_statistics);
    set_property(conf.get(), "client.id", "coupon-server-" + name_);
    rk_ = make_client(RD_KAFKA_PRODUCER, std::move(conf));
    poller_ = std::thread([this] {
        base::name_this_thread("dr-" + name_);
        poll_loop();
    });
}

void Producer::poll_loop() {
    while (!stopping_.load(std::memory_order_acquire)) rd_kafka_poll(rk_.get(), 50);
}

bool Producer::connect(std::chrono::milliseconds timeout) {
    std::shared_lock lock(handle_mutex_);
    if (!rk_) return false;
    const rd_kafka_metadata_t* md = nullptr;
    const rd_kafka_resp_err_t err = rd_kafka_metadata(rk_.get(), 0, nullptr, &md, static_cast<int>(timeout.count()));
    if (md) rd_kafka_metadata_destroy(md);
    return err == RD_KAFKA_RESP_ERR_NO_ERROR;
}

rd_kafka_resp_err_t Producer::produce(const OutRecord& r, OnReport on_report) {
    // Checked before locking: a delivery callback running inside stop() must not lock again.
    if (stopping_.load(std::memory_order_acquire)) return RD_KAFKA_RESP_ERR__DESTROY;
    std::shared_lock lock(handle_mutex_);
    if (!rk_) return RD_KAFKA_RESP_ERR__DESTROY;
    rd_kafka_topic_t* topic = topic_handle(r.topic);
    if (!topic) return rd_kafka_last_error();
    auto callback = std::make_unique<OnReport>(std::move(on_report));
    rd_kafka_headers_t* headers = rd_kafka_headers_new(r.headers.size());
    for (const auto& [name, value] : r.headers) {
        rd_kafka_header_add(headers, name.data(), static_cast<ssize_t>(name.size()), value.data(),
                            static_cast<ssize_t>(value.size()));
    }
    const rd_kafka_resp_err_t err = rd_kafka_producev(
        rk_.get(), RD_KAFKA_V_RKT(topic), RD_KAFKA_V_PARTITION(r.partition),
        RD_KAFKA_V_KEY(r.key.data(), r.key.size()), RD_KAFKA_V_VALUE(const_cast<char*>(r.value.data()), r.value.size()),
        RD_KAFKA_V_HEADERS(headers), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_OPAQUE(callback.get()),
        RD_KAFKA_V_END);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        rd_kafka_headers_destroy(headers);  // producev only takes ownership on success
        return err;
    }
    (void)callback.release();  // now owned by the delivery report
    return err;
}

rd_kafka_topic_t* Producer::topic_handle(const std::string& topic) {
    std::lock_guard lock(topics_mutex_);
    for (const auto& [name, handle] : topics_) {
        if (name == topic) return handle;
    }
    // No topic configuration of its own: the client's default, as a record produced by name gets.
    rd_kafka_topic_t* handle = rd_kafka_topic_new(rk_.get(), topic.c_str(), nullptr);
    if (handle) topics_.emplace_back(topic, handle);
    return handle;
}

int Producer::on_statistics(rd_kafka_t*, char* json, std::size_t json_len, void* opaque) {
    // Served by the poller thread (rd_kafka_poll), like the delivery reports.
    try {
        if (opaque) static_cast<Producer*>(opaque)->stats_.on_statistics(std::string_view(json, json_len));
    } catch (const std::exception& e) {
        log::warn("kafka", "producer statistics: {}", e.what());
    }
    return 0;  // librdkafka frees the document
}

void Producer::on_delivery_report(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
    // librdkafka measured it from produce() to this report (microseconds; -1 when it does not know).
    if (const std::int64_t us = rd_kafka_message_latency(message); us >= 0 && !message->err && opaque) {
        static_cast<Producer*>(opaque)->delivery_seconds_.observe(std::chrono::microseconds(us));
    }
    std::unique_ptr<OnReport> callback(static_cast<OnReport*>(message->_private));
    if (!callback || !*callback) return;
    // Nothing may escape into librdkafka's poll loop.
    try {
        // Not rd_kafka_message_errstr: on a delivery report the payload is the record's value, not an error
        // text, and it is not NUL-terminated (ASan: a heap-buffer-overflow reading a failed record's value).
        (*callback)(Report{message->err, message->err ? rd_kafka_err2str(message->err) : std::string(),
                           message->offset, rd_kafka_message_status(message)});
    } catch (const std::exception& e) {
        log::error("kafka", "delivery callback threw: {}", e.what());
    } catch (...) {
        log::error("kafka", "delivery callback threw");
    }
}

void Producer::stop(std::chrono::milliseconds timeout) {
    if (stopping_.exchange(true)) return;
    if (poller_.joinable()) poller_.join();
    {
        // Shared, not exclusive: a delivery callback run by flush may call produce(), which then refuses.
        std::shared_lock lock(handle_mutex_);
        if (!rk_) return;
        // rd_kafka_flush serves the delivery reports on this thread now that the poller is gone.
        if (rd_kafka_flush(rk_.get(), static_cast<int>(timeout.count())) != RD_KAFKA_RESP_ERR_NO_ERROR) {
            const int left = rd_kafka_outq_len(rk_.get());
            log::warn("kafka", "{} producer: {} record(s) not delivered within {} ms; failing them", name_, left,
                      timeout.count());
            rd_kafka_purge(rk_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
            for (int i = 0; i < 100 && rd_kafka_outq_len(rk_.get()) > 0; ++i) rd_kafka_poll(rk_.get(), 10);
        }
    }
    std::unique_lock lock(handle_mutex_);
    {
        std::lock_guard topics_lock(topics_mutex_);
        for (const auto& entry : topics_) rd_kafka_topic_destroy(entry.second);
        topics_.clear();
    }
    rk_.reset();
}

}  // namespace coupon::messaging
