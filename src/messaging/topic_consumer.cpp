#include "topic_consumer.hpp"

#include <fmt/format.h>

#include <cstring>
#include <stdexcept>

#include "coupon/domain/log.hpp"
#include "messaging_metrics.hpp"

namespace coupon::messaging {
namespace {

std::vector<std::int32_t> partitions_of(const rd_kafka_topic_partition_list_t* list) {
    std::vector<std::int32_t> out;
    for (int i = 0; i < list->cnt; ++i) out.push_back(list->elems[i].partition);
    return out;
}

}  // namespace

TopicConsumer::TopicConsumer(const KafkaConfig& config, Options options, const domain::Clock& clock)
    : config_(config), options_(std::move(options)), clock_(clock), ownership_(std::max(1, options_.workers)) {
    options_.workers = std::max(1, options_.workers);
}

TopicConsumer::~TopicConsumer() { stop(); }

void TopicConsumer::rebalance_callback(rd_kafka_t*, rd_kafka_resp_err_t err,
                                       rd_kafka_topic_partition_list_t* partitions, void* opaque) {
    auto* self = static_cast<TopicConsumer*>(opaque);
    try {
        self->on_rebalance(err, partitions);
    } catch (const std::exception& e) {
        log::error("consumer", "{}: rebalance handling failed: {}", self->options_.topic, e.what());
    }
}

bool TopicConsumer::cooperative() const {
    return std::strcmp(rd_kafka_rebalance_protocol(consumer_.get()), "COOPERATIVE") == 0;
}

void TopicConsumer::on_rebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions) {
    const auto list = partitions_of(partitions);
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        log::info("consumer", "assigned {} partition(s) of {}: {} ({})", list.size(), options_.topic,
                  fmt::join(list, ","), rd_kafka_rebalance_protocol(consumer_.get()));
        assign(partitions, list);
    } else if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
        log::info("consumer", "revoked {} partition(s) of {}: {}{}", list.size(), options_.topic, fmt::join(list, ","),
                  rd_kafka_assignment_lost(consumer_.get()) ? " (lost)" : "");
        revoke(partitions, list);
    } else {
        log::error("consumer", "{}: rebalance error: {}", options_.topic, rd_kafka_err2str(err));
        revoke(partitions, list);
    }
}

void TopicConsumer::assign(rd_kafka_topic_partition_list_t* partitions, const std::vector<std::int32_t>& list) {
    // Forward each partition's queue to its worker BEFORE assigning, so no record can reach the main queue
    // first (librdkafka keeps an application-set forward when it starts fetching).
    for (std::int32_t p : list) {
        QueueHandle q(rd_kafka_queue_get_partition(consumer_.get(), options_.topic.c_str(), p));
        if (!q) throw std::runtime_error("no queue for partition " + std::to_string(p));
        rd_kafka_queue_forward(q.get(), worker_queues_[static_cast<std::size_t>(p % options_.workers)].get());
        partition_queues_[p] = std::move(q);
    }
    ownership_.assign(list);
    rd_kafka_error_t* error = nullptr;
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
    if (cooperative()) {
        error = rd_kafka_incremental_assign(consumer_.get(), partitions);
    } else {
        err = rd_kafka_assign(consumer_.get(), partitions);
    }
    if (error) {
        log::error("consumer", "{}: incremental assign failed: {}", options_.topic, rd_kafka_error_string(error));
        rd_kafka_error_destroy(error);
    } else if (err) {
        log::error("consumer", "{}: assign failed: {}", options_.topic, rd_kafka_err2str(err));
    }
    // A partition this member paused before it lost it must not stay paused now that it is back.
    if (gate_) (void)rd_kafka_resume_partitions(consumer_.get(), partitions);
    has_assignment_ = true;
}

void TopicConsumer::revoke(rd_kafka_topic_partition_list_t* partitions, const std::vector<std::int32_t>& list) {
    // Stop handing the partitions out and let in-flight batches finish (commit or not) before they move.
    ownership_.revoke(list);
    // Records kept for their due time are the next owner's to read (from the committed offset).
    if (gate_) gate_->forget(list);
    for (std::int32_t p : list) {
        auto it = partition_queues_.find(p);
        if (it == partition_queues_.end()) continue;
        rd_kafka_queue_forward(it->second.get(), nullptr);
        partition_queues_.erase(it);
    }
    if (cooperative()) {
        if (rd_kafka_error_t* error = rd_kafka_incremental_unassign(consumer_.get(), partitions)) {
            log::error("consumer", "{}: incremental unassign failed: {}", options_.topic, rd_kafka_error_string(error));
            rd_kafka_error_destroy(error);
        }
    } else if (rd_kafka_resp_err_t err = rd_kafka_assign(consumer_.get(), nullptr)) {
        log::error("consumer", "{}: unassign failed: {}", options_.topic, rd_kafka_err2str(err));
    }
    ownership_.revoke_done(list);
}

void TopicConsumer::coordinate() {
    MessagingMetrics& metrics = MessagingMetrics::get();
    while (!stopping_.load()) {
        MessageHandle m(rd_kafka_consumer_poll(consumer_.get(), 100));
        if (!m) continue;
        if (m->err) {
            if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                log::warn("consumer", "{}: consumer error: {}", options_.topic, rd_kafka_message_errstr(m.get()));
            }
            continue;
        }
        // Must never happen (forwarding is set before assign). Do not lose it: re-read from here.
        metrics.main_queue_records.fetch_add(1, std::memory_order_relaxed);
        log::error("consumer", "record {}-{}@{} reached the main queue; rewinding the partition", options_.topic,
                   m->partition, m->offset);
        PartitionList list(rd_kafka_topic_partition_list_new(1));
        rd_kafka_topic_partition_list_add(list.get(), rd_kafka_topic_name(m->rkt), m->partition)->offset = m->offset;
        if (rd_kafka_error_t* error = rd_kafka_seek_partitions(consumer_.get(), list.get(), 5000)) {
            rd_kafka_error_destroy(error);
        }
    }
}

void TopicConsumer::start(const HandlerFactory& make_handler) {
    if (started_) return;
    ConfHandle conf = make_conf(config_, ClientRole::GroupConsumer, {{"group.id", options_.group_id}});
    rd_kafka_conf_set_rebalance_cb(conf.get(), &TopicConsumer::rebalance_callback);
    rd_kafka_conf_set_opaque(conf.get(), this);
    consumer_ = make_client(RD_KAFKA_CONSUMER, std::move(conf));
    if (options_.delayed) gate_ = std::make_unique<DueGate>(consumer_.get(), options_.topic, clock_);
    // Each worker owns its handler (and database session); create them all before any thread runs.
    std::vector<std::unique_ptr<BatchHandler>> handlers;
    for (int i = 0; i < options_.workers; ++i) handlers.push_back(make_handler(i));
    WorkerContext ctx{options_.topic,   std::max(1, config_.max_poll_records), consumer_.get(), &ownership_,
                      gate_.get(),      &stopping_,                            &crashed_};
    for (int i = 0; i < options_.workers; ++i) {
        worker_queues_.emplace_back(rd_kafka_queue_new(consumer_.get()));
        workers_.push_back(std::make_unique<PartitionWorker>(i, ctx, worker_queues_.back().get(),
                                                             std::move(handlers[static_cast<std::size_t>(i)])));
    }
    PartitionList topics(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(topics.get(), options_.topic.c_str(), RD_KAFKA_PARTITION_UA);
    if (rd_kafka_resp_err_t err = rd_kafka_subscribe(consumer_.get(), topics.get())) {
        throw std::runtime_error("subscribe to " + options_.topic + ": " + rd_kafka_err2str(err));
    }
    started_ = true;
    for (auto& w : workers_) worker_threads_.emplace_back([worker = w.get()] { worker->run(); });
    coordinator_ = std::thread([this] { coordinate(); });
    log::info("consumer", "group {} subscribed to {} with {} worker(s)", options_.group_id, options_.topic,
              options_.workers);
}

void TopicConsumer::stop() {
    if (!started_ || stopping_.exchange(true)) return;
    // Workers finish their in-flight batch (it commits) and exit; then the consumer leaves the group.
    for (auto& t : worker_threads_) t.join();
    if (coordinator_.joinable()) coordinator_.join();
    if (rd_kafka_resp_err_t err = rd_kafka_consumer_close(consumer_.get())) {
        log::warn("consumer", "{}: consumer close: {}", options_.topic, rd_kafka_err2str(err));
    }
    has_assignment_ = false;
    partition_queues_.clear();
    workers_.clear();
    gate_.reset();
    worker_queues_.clear();
    consumer_.reset();
    log::info("consumer", "group {} stopped", options_.group_id);
}

}  // namespace coupon::messaging
