#include "consumer_worker.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <stdexcept>

#include "coupon/base/log.hpp"
#include "messaging_metrics.hpp"
#include "result_publisher.hpp"
#include "store_retry.hpp"

namespace coupon::messaging {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kIdlePollMs = 100;
constexpr int kHoldingPollMs = 20;  // how late a kept record may be handed out after its due time
// Decided batches whose records are still on their way: the database work of the next batch overlaps their
// round trips; beyond this the worker waits (a broker that stopped acknowledging stops the worker, not
// memory). Two, measured with scripts/bench on 2 cores: 4 made batches small under saturation (75 on ten hot
// partitions, 209 ms CPU per 1,000 requests, 0.17 x nginx); 1 made the light-load answer wait for the
// previous batch's acknowledgements (64 connections: p50 45 ms, 1,328 req/s); 2 gave 26 ms, 2,207 req/s and
// 0.25 x nginx on ten partitions. Small batches (a light load) may be more: two batches of 64 waited on a
// slow acknowledgement of the embedded broker's (10% of results take 10-100 ms to be acknowledged) and held
// the next requests up to 40 ms; under saturation two batches hold far more than 256 records, so the bound
// there stays two.
constexpr InFlightBound kInFlight{.batches = 2, .light_records = 256, .light_batches = 16};
// A worker waiting this long for acknowledgements pauses its partitions and serves its poll meanwhile.
constexpr auto kServeAfter = std::chrono::seconds(1);
constexpr auto kRevokeDrain = std::chrono::seconds(5);
constexpr int kStatisticsIntervalMs = 5000;  // consumer lag export (consumer_lag.hpp), unless configured
constexpr auto kLeaveGroup = std::chrono::seconds(10);  // unsubscribe until the revoke has run (leave_group)
constexpr auto kFirstRetry = std::chrono::milliseconds(100);
constexpr auto kMaxRetry = std::chrono::seconds(5);

std::set<std::int32_t> partitions_of(const rd_kafka_topic_partition_list_t* list) {
    std::set<std::int32_t> out;
    for (int i = 0; i < list->cnt; ++i) out.insert(list->elems[i].partition);
    return out;
}

Offsets next_offsets(const Batch& batch) {
    Offsets next;
    for (const auto& m : batch) {
        auto& slot = next[m->partition];
        slot = std::max(slot, m->offset + 1);
    }
    return next;
}

// The fetch.wait.max.ms the configuration asks for (librdkafka's default, 500, when it names none).
long long fetch_wait_of(const KafkaConfig& config) {
    for (const Properties* p : {&config.consumer, &config.common}) {
        if (auto it = p->find("fetch.wait.max.ms"); it != p->end()) {
            try {
                return std::stoll(it->second);
            } catch (const std::exception&) {
                return 0;  // librdkafka refuses it at start with its own message
            }
        }
    }
    return 500;
}

PartitionList list_of(const std::string& topic, const std::set<std::int32_t>& partitions) {
    PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
    for (std::int32_t p : partitions) rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p);
    return list;
}

}  // namespace

// The wake-up a delivery callback sends to a worker blocked in its poll. Shared, so a callback that fires
// after the worker is gone finds a null queue instead of a dangling one.
struct ConsumerWorker::Waker {
    std::mutex mutex;
    rd_kafka_queue_t* queue = nullptr;
    void wake() {
        std::lock_guard lock(mutex);
        if (queue) rd_kafka_queue_yield(queue);
    }
};

ConsumerWorker::ConsumerWorker(const KafkaConfig& config, WorkerSettings settings, const domain::Clock& clock,
                               ResultPublisher& publisher, BacklogGuard* guard, std::unique_ptr<BatchHandler> handler)
    : config_(config),
      settings_(std::move(settings)),
      clock_(clock),
      handler_(std::move(handler)),
      waker_(std::make_shared<Waker>()),
      pipeline_(publisher, guard, [waker = waker_] { waker->wake(); }, base::steady_clock(), settings_.sender),
      committer_(settings_.topic),
      lag_(settings_.group_id, settings_.topic),
      batch_records_(MessagingMetrics::batch_records(settings_.topic)) {}

ConsumerWorker::~ConsumerWorker() {
    {
        std::lock_guard lock(waker_->mutex);
        waker_->queue = nullptr;
    }
    // The handle first, while every member its callbacks use (committer, pipeline, gate) is still alive:
    // rd_kafka_destroy may still serve a rebalance or commit callback whose opaque points here.
    consumer_queue_.reset();
    consumer_.reset();
}

void ConsumerWorker::start() {
    Properties overrides{{"group.id", settings_.group_id}};
    if (settings_.min_fetch_wait.count() > fetch_wait_of(config_)) {
        overrides["fetch.wait.max.ms"] = std::to_string(settings_.min_fetch_wait.count());
    }
    ConfHandle conf = make_conf(config_, ClientRole::GroupConsumer, overrides);
    if (!config_.consumer.count("statistics.interval.ms") && !config_.common.count("statistics.interval.ms")) {
        set_property(conf.get(), "statistics.interval.ms", std::to_string(kStatisticsIntervalMs));
    }
    rd_kafka_conf_set_stats_cb(conf.get(), &ConsumerWorker::statistics_callback);
    rd_kafka_conf_set_rebalance_cb(conf.get(), &ConsumerWorker::rebalance_callback);
    rd_kafka_conf_set_opaque(conf.get(), this);
    consumer_ = make_client(RD_KAFKA_CONSUMER, std::move(conf));
    // Everything (records, rebalances, commit results) arrives through one queue, served by this worker.
    rd_kafka_poll_set_consumer(consumer_.get());
    consumer_queue_.reset(rd_kafka_queue_get_consumer(consumer_.get()));
    {
        std::lock_guard lock(waker_->mutex);
        waker_->queue = consumer_queue_.get();
    }
    if (settings_.delayed) gate_ = std::make_unique<DueGate>(consumer_.get(), settings_.topic, clock_);
    PartitionList topics(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(topics.get(), settings_.topic.c_str(), RD_KAFKA_PARTITION_UA);
    if (rd_kafka_resp_err_t err = rd_kafka_subscribe(consumer_.get(), topics.get())) {
        throw std::runtime_error("subscribe to " + settings_.topic + ": " + rd_kafka_err2str(err));
    }
    heartbeat_ = base::Heartbeats::global().add(fmt::format("consumer {} worker {}", settings_.topic, settings_.index));
}

std::vector<std::int32_t> ConsumerWorker::owned() const {
    std::lock_guard lock(owned_mutex_);
    return {owned_.begin(), owned_.end()};
}

bool ConsumerWorker::owns(std::int32_t partition) const {
    std::lock_guard lock(owned_mutex_);
    return owned_.count(partition) > 0;
}

void ConsumerWorker::run() {
    auto full_since = Clock::time_point{};
    while (!stopping_.load() && !crashed_.load()) {
        heartbeat_->beat();
        settle_and_commit();
        if (!pipeline_.has_room(kInFlight)) {
            // The broker is slower than the database: wait for acknowledgements. Past kServeAfter, keep
            // serving rebalances while waiting (partitions paused, so nothing piles up).
            const auto now = Clock::now();
            if (full_since == Clock::time_point{}) full_since = now;
            pipeline_.wait_for_room(kInFlight, std::chrono::milliseconds(20));
            if (now - full_since > kServeAfter) (void)give_up();
            continue;
        }
        full_since = {};
        release_partitions();
        Batch batch = gather();
        if (!batch.empty()) decide(batch);
    }
    heartbeat_.reset();  // a stopping worker's bounded drain is not a wedge
    finish();
}

Batch ConsumerWorker::gather() {
    Batch batch = gate_ ? gate_->release() : Batch{};
    const std::size_t released = batch.size();
    Batch fresh = std::move(stash_);
    stash_.clear();
    const auto max = static_cast<std::size_t>(std::max(1, settings_.max_batch));
    int timeout = released > 0 || !fresh.empty() ? 0 : (gate_ && gate_->kept() > 0) ? kHoldingPollMs : kIdlePollMs;
    // Wait for one record only, then take what is already fetched: a batch is whatever arrived while the
    // previous one was being decided, so it grows with the load and costs no latency when idle.
    while (released + fresh.size() < max) {
        MessageHandle m(rd_kafka_consumer_poll(consumer_.get(), timeout));
        timeout = 0;
        if (!m) break;
        if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                log::warn("consumer", "{} worker {}: consume error: {}", settings_.topic, settings_.index,
                          rd_kafka_message_errstr(m.get()));
            }
            continue;
        }
        fresh.push_back(std::move(m));
    }
    // A rebalance served by these polls may have taken partitions away: their records are the next owner's.
    std::erase_if(batch, [this](const MessageHandle& m) { return !owns(m->partition); });
    std::erase_if(fresh, [this](const MessageHandle& m) { return !owns(m->partition); });
    if (gate_) gate_->admit(fresh);
    for (auto& m : fresh) batch.push_back(std::move(m));
    return batch;
}

void ConsumerWorker::decide(Batch& batch) {
    batch_records_.observe_count(static_cast<std::int64_t>(batch.size()));
    note_taking(batch);
    auto retry_in = kFirstRetry;
    for (;;) {
        deciding_.clear();
        for (const auto& m : batch) deciding_.insert(m->partition);
        deciding_revoked_ = false;
        BatchWork work;
        try {
            // The database's own timeouts bound what the handler waits for without calling give_up().
            const base::Heartbeat::Waiting in_database(heartbeat_.get());
            work = handler_->process(batch, [this] { return give_up(); });
        } catch (const std::exception& e) {
            log::error("consumer", "{} worker {}: batch failed: {}", settings_.topic, settings_.index, e.what());
            work.verdict = BatchVerdict::Retry;
        }
        deciding_.clear();
        switch (work.verdict) {
            case BatchVerdict::Done:
                note_decided(batch);
                pipeline_.push(std::move(work.results), std::move(work.records), next_offsets(batch), work.what);
                return;
            case BatchVerdict::Crashed:
                crashed_.store(true);
                return;
            case BatchVerdict::Retry:
                break;
        }
        // Not decided. Records of revoked partitions are the next owner's (it reads from the committed
        // offset); on stop they are re-read after the restart. The rest is decided again, from memory.
        std::erase_if(batch, [this](const MessageHandle& m) { return !owns(m->partition); });
        if (batch.empty() || stopping_.load() || crashed_.load()) return;
        log::warn("consumer", "{} worker {}: a batch of {} record(s) was not decided; trying again in {} ms",
                  settings_.topic, settings_.index, batch.size(), retry_in.count());
        (void)wait_or_give_up(retry_in, [this] { return give_up(); });  // serves the member meanwhile
        retry_in = std::min<std::chrono::milliseconds>(retry_in * 2, kMaxRetry);
    }
}

void ConsumerWorker::note_taking(const Batch& batch) {
    // Offset order per partition: the first record of a partition is its oldest.
    std::int32_t last = -1;
    for (const auto& m : batch) {
        if (m->partition == last) continue;
        last = m->partition;
        lag_.taking(m->partition, rd_kafka_message_timestamp(m.get(), nullptr));
    }
}

void ConsumerWorker::note_decided(const Batch& batch) {
    // Runs of one partition are folded into one call: the per-record cost is a timestamp read.
    std::int32_t partition = -1;
    std::int64_t newest = -1;
    for (const auto& m : batch) {
        if (m->partition != partition) {
            if (partition >= 0) lag_.decided(partition, newest);
            partition = m->partition;
            newest = -1;
        }
        newest = std::max(newest, rd_kafka_message_timestamp(m.get(), nullptr));
    }
    if (partition >= 0) lag_.decided(partition, newest);
}

bool ConsumerWorker::give_up() {
    // Called while a handler waits: keep the member alive (rebalances, commit results) without letting
    // records pile up: the partitions are paused, and anything that was already on its way is kept for the
    // next batch, in order.
    if (heartbeat_) heartbeat_->beat();
    hold_partitions();
    for (;;) {
        MessageHandle m(rd_kafka_consumer_poll(consumer_.get(), 0));
        if (!m) break;
        if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR && owns(m->partition)) stash_.push_back(std::move(m));
    }
    settle_and_commit();
    return stopping_.load() || crashed_.load() || deciding_revoked_;
}

void ConsumerWorker::hold_partitions() {
    if (!held_.empty()) return;
    std::set<std::int32_t> to_hold;
    {
        std::lock_guard lock(owned_mutex_);
        for (std::int32_t p : owned_) {
            if (!gate_ || !gate_->holds(p)) to_hold.insert(p);  // the gate pauses and resumes its own
        }
    }
    if (to_hold.empty()) return;
    auto list = list_of(settings_.topic, to_hold);
    if (rd_kafka_resp_err_t err = rd_kafka_pause_partitions(consumer_.get(), list.get())) {
        log::warn("consumer", "{} worker {}: pausing: {}", settings_.topic, settings_.index, rd_kafka_err2str(err));
        return;
    }
    held_ = std::move(to_hold);
}

void ConsumerWorker::release_partitions() {
    if (held_.empty()) return;
    // Only what this worker paused: resuming a partition that is not paused re-fetches from a stale
    // position in librdkafka 2.0.2 (upstream #4636).
    auto list = list_of(settings_.topic, held_);
    held_.clear();
    if (rd_kafka_resp_err_t err = rd_kafka_resume_partitions(consumer_.get(), list.get())) {
        log::warn("consumer", "{} worker {}: resuming: {}", settings_.topic, settings_.index, rd_kafka_err2str(err));
    }
}

void ConsumerWorker::settle_and_commit() {
    pipeline_.settle(committable_);
    if (!committable_.empty()) {
        committer_.add(committable_);
        committable_.clear();
    }
    std::set<std::int32_t> owned;
    {
        std::lock_guard lock(owned_mutex_);
        owned = owned_;
    }
    committer_.commit_async(consumer_.get(), consumer_queue_.get(), owned);
}

bool ConsumerWorker::drain(Clock::time_point until) {
    for (;;) {
        pipeline_.settle(committable_);
        if (pipeline_.batches() == 0 || Clock::now() >= until) break;
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
        pipeline_.wait_below(1, std::clamp(left, std::chrono::milliseconds(1), std::chrono::milliseconds(50)));
    }
    committer_.add(committable_);
    committable_.clear();
    return pipeline_.batches() == 0;
}

void ConsumerWorker::finish() {
    if (!crashed_.load()) {
        if (!drain(Clock::now() + settings_.drain_timeout)) {
            log::warn("consumer", "{} worker {}: {} batch(es) not acknowledged within {} ms; their offsets stay "
                      "uncommitted (read again by the next owner)",
                      settings_.topic, settings_.index, pipeline_.batches(), settings_.drain_timeout.count());
        }
        std::set<std::int32_t> owned;
        {
            std::lock_guard lock(owned_mutex_);
            owned = owned_;
        }
        (void)committer_.commit_now(consumer_.get(), owned);
    }
    release_partitions();
    leave_group();
    if (rd_kafka_resp_err_t err = rd_kafka_consumer_close(consumer_.get())) {
        log::warn("consumer", "{} worker {}: consumer close: {}", settings_.topic, settings_.index, rd_kafka_err2str(err));
    }
    has_assignment_ = false;
}

void ConsumerWorker::leave_group() {
    // librdkafka 2.0.2 aborts inside rd_kafka_consumer_close (rdkafka_cgrp.c, rd_kafka_cgrp_terminated:
    // assert !rd_kafka_assignment_in_progress) when the revoke it runs races an incremental rebalance: the
    // group terminates while the revoke callback is still unassigning. Unsubscribing first, and serving the
    // revoke here on the ordinary poll path, leaves close nothing to revoke. Records polled meanwhile are
    // dropped undecided: their offsets were never committed, so the next owner reads them.
    if (rd_kafka_resp_err_t err = rd_kafka_unsubscribe(consumer_.get())) {
        log::warn("consumer", "{} worker {}: unsubscribe: {}", settings_.topic, settings_.index, rd_kafka_err2str(err));
        return;
    }
    const auto until = Clock::now() + kLeaveGroup;
    while (Clock::now() < until) {
        const auto events_before = rebalance_events_;
        if (rd_kafka_message_t* m = rd_kafka_consumer_poll(consumer_.get(), kIdlePollMs)) rd_kafka_message_destroy(m);
        if (rebalance_events_ == events_before && assignment_size() == 0) return;
    }
    log::warn("consumer", "{} worker {}: still assigned {} partition(s) {} ms after unsubscribing; closing anyway",
              settings_.topic, settings_.index, assignment_size(),
              std::chrono::duration_cast<std::chrono::milliseconds>(kLeaveGroup).count());
}

int ConsumerWorker::assignment_size() {
    rd_kafka_topic_partition_list_t* list = nullptr;
    if (rd_kafka_assignment(consumer_.get(), &list) != RD_KAFKA_RESP_ERR_NO_ERROR || !list) return 0;
    const int size = list->cnt;
    rd_kafka_topic_partition_list_destroy(list);
    return size;
}

int ConsumerWorker::statistics_callback(rd_kafka_t*, char* json, std::size_t json_len, void* opaque) {
    // Served by this member's own poll (the main queue is forwarded to the consumer queue).
    auto* self = static_cast<ConsumerWorker*>(opaque);
    std::set<std::int32_t> owned;
    {
        std::lock_guard lock(self->owned_mutex_);
        owned = self->owned_;
    }
    // The records' timestamps are the producers' wall clocks, not the injected domain clock.
    const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    self->lag_.on_statistics(std::string_view(json, json_len), owned, now_ms);
    return 0;  // librdkafka frees the document
}

void ConsumerWorker::rebalance_callback(rd_kafka_t*, rd_kafka_resp_err_t err,
                                        rd_kafka_topic_partition_list_t* partitions, void* opaque) {
    auto* self = static_cast<ConsumerWorker*>(opaque);
    try {
        self->on_rebalance(err, partitions);
    } catch (const std::exception& e) {
        log::error("consumer", "{}: rebalance handling failed: {}", self->settings_.topic, e.what());
    }
}

void ConsumerWorker::on_rebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions) {
    ++rebalance_events_;
    const auto list = partitions_of(partitions);
    const std::string& protocol = rebalance_protocol();
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        log::info("consumer", "assigned {} partition(s) of {}: {} ({}, member {})", list.size(), settings_.topic,
                  fmt::join(list, ","), protocol, settings_.index);
        MessagingMetrics::rebalances(settings_.topic, "assigned").fetch_add(1, std::memory_order_relaxed);
        on_assign(partitions, list);
        return;
    }
    if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
        const bool lost = rd_kafka_assignment_lost(consumer_.get());
        log::info("consumer", "revoked {} partition(s) of {}: {}{} (member {})", list.size(), settings_.topic,
                  fmt::join(list, ","), lost ? " (lost)" : "", settings_.index);
        MessagingMetrics::rebalances(settings_.topic, lost ? "lost" : "revoked").fetch_add(1, std::memory_order_relaxed);
    } else {
        MessagingMetrics::rebalances(settings_.topic, "error").fetch_add(1, std::memory_order_relaxed);
        log::error("consumer", "{} worker {}: rebalance error: {}", settings_.topic, settings_.index,
                   rd_kafka_err2str(err));
    }
    on_revoke(partitions, list);
}

void ConsumerWorker::on_assign(rd_kafka_topic_partition_list_t* partitions, const std::set<std::int32_t>& list) {
    {
        std::lock_guard lock(owned_mutex_);
        owned_.insert(list.begin(), list.end());
    }
    change_assignment(partitions, true);
    has_assignment_ = true;
}

const std::string& ConsumerWorker::rebalance_protocol() {
    // librdkafka answers NULL once the consumer is closing, which is exactly when the last revoke runs
    // (inside rd_kafka_consumer_close). A member's protocol never changes, so the last answer stands.
    if (const char* now = rd_kafka_rebalance_protocol(consumer_.get())) protocol_ = now;
    return protocol_;
}

void ConsumerWorker::change_assignment(rd_kafka_topic_partition_list_t* partitions, bool add) {
    const char* what = add ? "assign" : "unassign";
    if (rebalance_protocol() == "COOPERATIVE") {
        rd_kafka_error_t* error = add ? rd_kafka_incremental_assign(consumer_.get(), partitions)
                                      : rd_kafka_incremental_unassign(consumer_.get(), partitions);
        if (error) {
            log::error("consumer", "{}: incremental {} failed: {}", settings_.topic, what, rd_kafka_error_string(error));
            rd_kafka_error_destroy(error);
        }
    } else if (rd_kafka_resp_err_t err = rd_kafka_assign(consumer_.get(), add ? partitions : nullptr)) {
        // The eager protocols hand out and take back the whole assignment at once.
        log::error("consumer", "{}: {} failed: {}", settings_.topic, what, rd_kafka_err2str(err));
    }
}

void ConsumerWorker::on_revoke(rd_kafka_topic_partition_list_t* partitions, const std::set<std::int32_t>& list) {
    const bool lost = rd_kafka_assignment_lost(consumer_.get());
    {
        std::lock_guard lock(owned_mutex_);
        for (std::int32_t p : list) owned_.erase(p);
    }
    for (std::int32_t p : list) {
        if (deciding_.count(p)) deciding_revoked_ = true;
    }
    std::erase_if(stash_, [&](const MessageHandle& m) { return list.count(m->partition) > 0; });
    // Nothing this member paused may stay paused: librdkafka keeps the flag if the partition comes back.
    if (gate_) gate_->forget({list.begin(), list.end()});
    std::set<std::int32_t> held_here;
    for (std::int32_t p : list) {
        if (held_.erase(p)) held_here.insert(p);
    }
    if (!held_here.empty()) {
        auto resume = list_of(settings_.topic, held_here);
        (void)rd_kafka_resume_partitions(consumer_.get(), resume.get());
    }
    // Hand over cleanly: what was decided and is being acknowledged gets committed before the partitions
    // move (bounded; if it does not make it, the next owner decides those records again, harmlessly).
    if (!lost && !crashed_.load()) {
        (void)drain(Clock::now() + kRevokeDrain);
        (void)committer_.commit_now(consumer_.get(), list);
    }
    committer_.forget(list);
    lag_.forget(list);
    change_assignment(partitions, false);
}

}  // namespace coupon::messaging
