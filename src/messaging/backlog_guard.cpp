#include "coupon/messaging/backlog_guard.hpp"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "backlog_probe.hpp"
#include "coupon/base/log.hpp"
#include "messaging_metrics.hpp"
#include "retry_stages.hpp"

namespace coupon::messaging {
namespace {

// Record-batch header (61 bytes) plus per-record framing: what one record costs when it is its own batch.
constexpr std::int64_t kBatchOverhead = 61 + 40;

struct Partition {
    std::int64_t high = 0;                // high watermark at the last sample
    std::int64_t done = 0;                // committed offset (at least the log start) at the last sample
    std::int64_t acked_end = 0;           // 1 + highest offset acknowledged to this process, ever
    std::int64_t unplaced = 0;            // records acknowledged without an offset, ever
    std::int64_t unplaced_at_sample = 0;  // `unplaced` when the last sample started
    std::int64_t in_flight = 0;
};

std::int64_t estimate(const Partition& p) {
    return std::max<std::int64_t>(0, std::max(p.high, p.acked_end) - p.done) + (p.unplaced - p.unplaced_at_sample) +
           p.in_flight;
}

struct GuardedTopic {
    std::string name;
    std::string group;  // the consumer group whose commits free this topic's room
    std::vector<Partition> partitions;
    std::int64_t largest_record = 0;  // largest key + value + headers this process produced here
};

}  // namespace

struct BacklogGuard::Impl {
    KafkaConfig config;
    BacklogProbe probe;
    mutable std::mutex mutex;           // topics' counters
    std::vector<GuardedTopic> topics;   // fixed after start(): only the counters change
    std::mutex sample_mutex;            // one sample at a time
    std::condition_variable wake;
    std::mutex wake_mutex;  // stopping, hurry, waiting
    bool stopping = false;
    bool hurry = false;    // sample now (a first request waits)
    bool waiting = false;  // requests wait for room: sample often
    std::thread sampler;
    std::mutex serve_mutex;  // held while `serve` runs, so serve_waiters(nullptr) outlasts a call under way
    ServeWaiters serve;

    std::chrono::milliseconds interval() const {
        const auto configured = config.embedded.backlog_sample_interval;
        return waiting ? std::min(configured, kWaitingSampleInterval) : configured;
    }

    explicit Impl(KafkaConfig c) : config(std::move(c)), probe(config) {}

    GuardedTopic* find(const std::string& name) {
        for (auto& t : topics) {
            if (t.name == name) return &t;
        }
        return nullptr;
    }

    std::int64_t record_bytes(const GuardedTopic& t) const {
        return std::max(config.embedded.backlog_record_bytes, t.largest_record + kBatchOverhead);
    }

    bool fits(const GuardedTopic& t, const Partition& p, std::int64_t more) const {
        const std::int64_t after = estimate(p) + more;
        return after <= config.embedded.backlog_limit_records && after * record_bytes(t) <= config.embedded.backlog_limit_bytes;
    }

    void publish_gauges(const std::vector<PartitionBacklog>& all) const {
        for (const PartitionBacklog& b : all) {
            MessagingMetrics::backlog_records(b.topic, b.partition).store(b.records, std::memory_order_relaxed);
            MessagingMetrics::backlog_bytes(b.topic, b.partition).store(b.bytes, std::memory_order_relaxed);
        }
    }
};

BacklogGuard::BacklogGuard(KafkaConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {
    // Every topic a request can sit in, each freed by its own group (the names retry_stages.cpp gives them).
    Impl& g = *impl_;
    for (const ConsumeStage& stage : consume_stages(g.config)) {
        g.topics.push_back({stage.topic, stage.group_id, std::vector<Partition>(static_cast<std::size_t>(stage.partitions)), 0});
    }
    g.topics.push_back({g.config.topics.dlt, dead_letter_group(g.config),
                        std::vector<Partition>(static_cast<std::size_t>(g.config.topics.partitions)), 0});
}

BacklogGuard::~BacklogGuard() { stop(); }

void BacklogGuard::start() {
    Impl& g = *impl_;
    g.probe.start();
    for (auto& t : g.topics) {
        // The broker's count decides where records land; the configured one is only a fallback.
        const std::int32_t n = g.probe.partition_count(t.name, static_cast<std::int32_t>(t.partitions.size()));
        t.partitions.assign(static_cast<std::size_t>(n), Partition{});
        log::info("kafka",
                  "backlog guard: {} ({} partitions, freed by group {}): at most {} bytes / {} records unconsumed "
                  "per partition",
                  t.name, n, t.group, g.config.embedded.backlog_limit_bytes, g.config.embedded.backlog_limit_records);
    }
    log::info("kafka",
              "backlog guard: a full {} partition answers 503; a full retry or dead-letter partition holds the "
              "stage that forwards to it (no commit) until it has room; {} is not guarded (outcomes are in the "
              "database)",
              g.config.topics.issue, g.config.topics.results);
    sample();
    g.sampler = std::thread([this] {
        Impl& s = *impl_;
        std::unique_lock lock(s.wake_mutex);
        for (;;) {
            s.wake.wait_for(lock, s.interval(), [&s] { return s.stopping || s.hurry; });
            if (s.stopping) break;
            s.hurry = false;
            lock.unlock();
            sample();
            lock.lock();
        }
    });
}

void BacklogGuard::stop() {
    Impl& g = *impl_;
    {
        std::lock_guard lock(g.wake_mutex);
        if (g.stopping) return;
        g.stopping = true;
    }
    g.wake.notify_all();
    if (g.sampler.joinable()) g.sampler.join();
    std::lock_guard one_at_a_time(g.sample_mutex);
    g.probe.stop();
}

std::size_t BacklogGuard::reserve(const std::vector<Slot>& slots) {
    Impl& g = *impl_;
    std::lock_guard lock(g.mutex);
    std::size_t n = 0;
    for (; n < slots.size(); ++n) {
        const Slot& s = slots[n];
        GuardedTopic* t = g.find(s.topic);
        if (!t || s.partition < 0 || s.partition >= static_cast<std::int32_t>(t->partitions.size())) continue;
        Partition& p = t->partitions[static_cast<std::size_t>(s.partition)];
        // A larger record makes every record of its topic count larger, this one included.
        const std::int64_t largest = t->largest_record;
        t->largest_record = std::max(largest, static_cast<std::int64_t>(s.bytes));
        if (estimate(p) > 0 && !g.fits(*t, p, 1)) {
            t->largest_record = largest;  // not produced (yet): it must not shrink the others' room
            break;
        }
        ++p.in_flight;
    }
    return n;
}

void BacklogGuard::on_delivery(const std::string& topic, std::int32_t partition, bool stored, std::int64_t offset) {
    Impl& g = *impl_;
    std::lock_guard lock(g.mutex);
    GuardedTopic* t = g.find(topic);
    if (!t || partition < 0 || partition >= static_cast<std::int32_t>(t->partitions.size())) return;
    Partition& p = t->partitions[static_cast<std::size_t>(partition)];
    --p.in_flight;
    if (!stored) return;
    if (offset >= 0) {
        p.acked_end = std::max(p.acked_end, offset + 1);
    } else {
        ++p.unplaced;
    }
}

std::vector<PartitionBacklog> BacklogGuard::snapshot() const {
    const Impl& g = *impl_;
    std::lock_guard lock(g.mutex);
    std::vector<PartitionBacklog> out;
    for (const auto& t : g.topics) {
        const std::int64_t size = g.record_bytes(t);
        for (std::size_t i = 0; i < t.partitions.size(); ++i) {
            const std::int64_t records = estimate(t.partitions[i]);
            out.push_back({t.name, static_cast<std::int32_t>(i), records, records * size});
        }
    }
    return out;
}

std::int64_t BacklogGuard::unconsumed_records() const {
    std::int64_t total = 0;
    for (const auto& b : snapshot()) total += b.records;
    return total;
}

std::vector<std::string> BacklogGuard::topics() const {
    std::vector<std::string> out;
    for (const auto& t : impl_->topics) out.push_back(t.name);
    return out;
}

bool BacklogGuard::guards(std::string_view topic) const {
    for (const auto& t : impl_->topics) {
        if (t.name == topic) return true;
    }
    return false;
}

void BacklogGuard::sample() {
    Impl& g = *impl_;
    std::lock_guard one_at_a_time(g.sample_mutex);
    if (!g.probe.started()) return;
    std::vector<std::vector<std::int64_t>> unplaced_before(g.topics.size());
    std::vector<BacklogProbe::Request> requests;
    {
        std::lock_guard lock(g.mutex);
        for (std::size_t i = 0; i < g.topics.size(); ++i) {
            for (const auto& p : g.topics[i].partitions) unplaced_before[i].push_back(p.unplaced);
            requests.push_back({g.topics[i].name, g.topics[i].group, static_cast<std::int32_t>(g.topics[i].partitions.size())});
        }
    }
    // Committed first, watermarks second (inside read): a commit landing in between only makes it larger.
    const std::vector<BacklogProbe::Reading> readings = g.probe.read(requests);
    {
        std::lock_guard lock(g.mutex);
        for (std::size_t i = 0; i < g.topics.size(); ++i) {
            const BacklogProbe::Reading& r = readings[i];
            if (!r.error.empty()) {
                // Keep the old numbers: local counting goes on, so the estimate still grows with every record.
                log::warn("backlog", "cannot sample the backlog of {}: {}", g.topics[i].name, r.error);
                continue;
            }
            auto& parts = g.topics[i].partitions;
            for (std::size_t p = 0; p < parts.size(); ++p) {
                parts[p].high = r.high[p];
                parts[p].done = r.done[p];
                parts[p].unplaced_at_sample = unplaced_before[i][p];
            }
        }
    }
    g.publish_gauges(snapshot());
    std::lock_guard serving(g.serve_mutex);
    const bool waiting = g.serve && g.serve();
    std::lock_guard lock(g.wake_mutex);
    g.waiting = waiting;
}

void BacklogGuard::serve_waiters(ServeWaiters serve) {
    Impl& g = *impl_;
    std::lock_guard serving(g.serve_mutex);
    g.serve = std::move(serve);
}

void BacklogGuard::waiters_arrived() {
    Impl& g = *impl_;
    {
        std::lock_guard lock(g.wake_mutex);
        // Only a first waiter calls this, so at most one extra sample per wait; even while sampling often, as
        // a sample ending now may have just found nobody waiting and be about to slow down.
        if (g.hurry) return;
        g.hurry = true;
        g.waiting = true;
    }
    g.wake.notify_all();
}

}  // namespace coupon::messaging
