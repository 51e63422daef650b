#include "coupon/messaging/issue_consumer_group.hpp"

#include <librdkafka/rdkafka.h>

#include <fmt/format.h>

#include <atomic>
#include <cstring>
#include <map>
#include <stdexcept>
#include <thread>

#include "client_config.hpp"
#include "coupon/domain/log.hpp"
#include "issue_worker.hpp"
#include "messaging_metrics.hpp"
#include "partition_ownership.hpp"
#include "result_publisher.hpp"

namespace coupon::messaging {
namespace {

std::vector<std::int32_t> partitions_of(const rd_kafka_topic_partition_list_t* list) {
    std::vector<std::int32_t> out;
    for (int i = 0; i < list->cnt; ++i) out.push_back(list->elems[i].partition);
    return out;
}

}  // namespace

struct IssueConsumerGroup::Impl {
    KafkaConfig config;
    StoreFactory store_factory;
    const domain::Clock& clock;
    TestHooks hooks;
    int worker_count;

    PartitionOwnership ownership;
    ResultPublisher publisher;
    KafkaHandle consumer;
    std::vector<QueueHandle> worker_queues;
    std::map<std::int32_t, QueueHandle> partition_queues;  // forwarded to a worker queue while owned
    std::vector<std::unique_ptr<IssueWorker>> workers;
    std::vector<std::thread> worker_threads;
    std::thread coordinator;
    std::atomic<bool> stopping{false};
    std::atomic<bool> crashed{false};
    std::atomic<bool> has_assignment{false};
    bool started = false;

    Impl(KafkaConfig c, StoreFactory f, const domain::Clock& k, TestHooks h)
        : config(std::move(c)),
          store_factory(std::move(f)),
          clock(k),
          hooks(std::move(h)),
          worker_count(std::max(1, config.consumer_threads)),
          ownership(worker_count),
          publisher(config) {}

    static void rebalance_callback(rd_kafka_t*, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions,
                                   void* opaque) {
        auto* self = static_cast<Impl*>(opaque);
        try {
            self->on_rebalance(err, partitions);
        } catch (const std::exception& e) {
            log::error("consumer", "rebalance handling failed: {}", e.what());
        }
    }

    bool cooperative() const { return std::strcmp(rd_kafka_rebalance_protocol(consumer.get()), "COOPERATIVE") == 0; }

    void on_rebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions) {
        const auto list = partitions_of(partitions);
        if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
            log::info("consumer", "assigned {} partition(s) of {}: {} ({})", list.size(), config.topics.issue,
                      fmt::join(list, ","), rd_kafka_rebalance_protocol(consumer.get()));
            assign(partitions, list);
        } else if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
            log::info("consumer", "revoked {} partition(s) of {}: {}{}", list.size(), config.topics.issue,
                      fmt::join(list, ","), rd_kafka_assignment_lost(consumer.get()) ? " (lost)" : "");
            revoke(partitions, list);
        } else {
            log::error("consumer", "rebalance error: {}", rd_kafka_err2str(err));
            revoke(partitions, list);
        }
    }

    void assign(rd_kafka_topic_partition_list_t* partitions, const std::vector<std::int32_t>& list) {
        // Forward each partition's queue to its worker BEFORE assigning, so no record can reach the main
        // queue first (librdkafka keeps an application-set forward when it starts fetching).
        for (std::int32_t p : list) {
            QueueHandle q(rd_kafka_queue_get_partition(consumer.get(), config.topics.issue.c_str(), p));
            if (!q) throw std::runtime_error("no queue for partition " + std::to_string(p));
            rd_kafka_queue_forward(q.get(), worker_queues[static_cast<std::size_t>(p % worker_count)].get());
            partition_queues[p] = std::move(q);
        }
        ownership.assign(list);
        rd_kafka_error_t* error = nullptr;
        rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
        if (cooperative()) {
            error = rd_kafka_incremental_assign(consumer.get(), partitions);
        } else {
            err = rd_kafka_assign(consumer.get(), partitions);
        }
        if (error) {
            log::error("consumer", "incremental assign failed: {}", rd_kafka_error_string(error));
            rd_kafka_error_destroy(error);
        } else if (err) {
            log::error("consumer", "assign failed: {}", rd_kafka_err2str(err));
        }
        has_assignment = true;
    }

    void revoke(rd_kafka_topic_partition_list_t* partitions, const std::vector<std::int32_t>& list) {
        // Stop handing the partitions out and let in-flight batches finish (commit or not) before they move.
        ownership.revoke(list);
        for (std::int32_t p : list) {
            auto it = partition_queues.find(p);
            if (it == partition_queues.end()) continue;
            rd_kafka_queue_forward(it->second.get(), nullptr);
            partition_queues.erase(it);
        }
        if (cooperative()) {
            if (rd_kafka_error_t* error = rd_kafka_incremental_unassign(consumer.get(), partitions)) {
                log::error("consumer", "incremental unassign failed: {}", rd_kafka_error_string(error));
                rd_kafka_error_destroy(error);
            }
        } else if (rd_kafka_resp_err_t err = rd_kafka_assign(consumer.get(), nullptr)) {
            log::error("consumer", "unassign failed: {}", rd_kafka_err2str(err));
        }
        ownership.revoke_done(list);
    }

    void coordinate() {
        MessagingMetrics& metrics = MessagingMetrics::get();
        while (!stopping.load()) {
            MessageHandle m(rd_kafka_consumer_poll(consumer.get(), 100));
            if (!m) continue;
            if (m->err) {
                if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                    log::warn("consumer", "consumer error: {}", rd_kafka_message_errstr(m.get()));
                }
                continue;
            }
            // Must never happen (forwarding is set before assign). Do not lose it: re-read from here.
            metrics.main_queue_records.fetch_add(1, std::memory_order_relaxed);
            log::error("consumer", "record {}@{} reached the main queue; rewinding the partition", m->partition,
                       m->offset);
            PartitionList list(rd_kafka_topic_partition_list_new(1));
            rd_kafka_topic_partition_list_add(list.get(), rd_kafka_topic_name(m->rkt), m->partition)->offset = m->offset;
            if (rd_kafka_error_t* error = rd_kafka_seek_partitions(consumer.get(), list.get(), 5000)) {
                rd_kafka_error_destroy(error);
            }
        }
    }
};

IssueConsumerGroup::IssueConsumerGroup(KafkaConfig config, StoreFactory store_factory, const domain::Clock& clock,
                                       TestHooks hooks)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(store_factory), clock, std::move(hooks))) {}

IssueConsumerGroup::~IssueConsumerGroup() { stop(); }

void IssueConsumerGroup::start() {
    Impl& g = *impl_;
    if (g.started) return;
    g.publisher.start();
    ConfHandle conf = make_conf(g.config, ClientRole::GroupConsumer);
    rd_kafka_conf_set_rebalance_cb(conf.get(), &Impl::rebalance_callback);
    rd_kafka_conf_set_opaque(conf.get(), &g);
    g.consumer = make_client(RD_KAFKA_CONSUMER, std::move(conf));
    // Each worker owns its database session; create them all before any thread runs.
    std::vector<std::unique_ptr<domain::IssueStore>> stores;
    for (int i = 0; i < g.worker_count; ++i) stores.push_back(g.store_factory());
    WorkerContext ctx{&g.config, g.consumer.get(), &g.ownership, &g.publisher, &g.clock,
                      g.hooks.after_db_commit, &g.stopping, &g.crashed};
    for (int i = 0; i < g.worker_count; ++i) {
        g.worker_queues.emplace_back(rd_kafka_queue_new(g.consumer.get()));
        g.workers.push_back(std::make_unique<IssueWorker>(i, ctx, g.worker_queues.back().get(), std::move(stores[i])));
    }
    PartitionList topics(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(topics.get(), g.config.topics.issue.c_str(), RD_KAFKA_PARTITION_UA);
    if (rd_kafka_resp_err_t err = rd_kafka_subscribe(g.consumer.get(), topics.get())) {
        throw std::runtime_error(std::string("subscribe to ") + g.config.topics.issue + ": " + rd_kafka_err2str(err));
    }
    g.started = true;
    for (auto& w : g.workers) g.worker_threads.emplace_back([worker = w.get()] { worker->run(); });
    g.coordinator = std::thread([&g] { g.coordinate(); });
    log::info("consumer", "group {} subscribed to {} with {} worker(s)", g.config.group_id, g.config.topics.issue,
              g.worker_count);
}

void IssueConsumerGroup::stop() {
    Impl& g = *impl_;
    if (!g.started || g.stopping.exchange(true)) return;
    // Workers finish their in-flight batch (it commits) and exit; then the consumer leaves the group.
    for (auto& t : g.worker_threads) t.join();
    if (g.coordinator.joinable()) g.coordinator.join();
    if (rd_kafka_resp_err_t err = rd_kafka_consumer_close(g.consumer.get())) {
        log::warn("consumer", "consumer close: {}", rd_kafka_err2str(err));
    }
    g.has_assignment = false;
    g.partition_queues.clear();
    g.workers.clear();
    g.worker_queues.clear();
    g.consumer.reset();
    g.publisher.stop();
    log::info("consumer", "group {} stopped", g.config.group_id);
}

bool IssueConsumerGroup::assigned() const { return impl_->has_assignment.load() && !impl_->stopping.load(); }

std::vector<std::int32_t> IssueConsumerGroup::owned_partitions() const { return impl_->ownership.owned(); }

}  // namespace coupon::messaging
