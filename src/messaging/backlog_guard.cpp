#include "backlog_guard.hpp"

#include <algorithm>

#include "coupon/domain/log.hpp"
#include "messaging_metrics.hpp"

namespace coupon::messaging {
namespace {

// Record-batch header (61 bytes) plus per-record framing: what one record costs when it is its own batch.
constexpr std::int64_t kBatchOverhead = 61 + 40;
constexpr int kBrokerTimeoutMs = 5000;

}  // namespace

BacklogGuard::BacklogGuard(const KafkaConfig& config, std::int32_t partitions)
    : config_(config), partitions_(partitions), state_(static_cast<std::size_t>(partitions)) {}

BacklogGuard::~BacklogGuard() { stop(); }

void BacklogGuard::start() {
    probe_ = make_client(RD_KAFKA_CONSUMER, make_conf(config_, ClientRole::Probe));
    sample();
    sampler_ = std::thread([this] { sample_loop(); });
}

void BacklogGuard::stop() {
    {
        std::lock_guard lock(wake_mutex_);
        if (stopping_) return;
        stopping_ = true;
    }
    wake_.notify_all();
    if (sampler_.joinable()) sampler_.join();
    probe_.reset();
}

std::int64_t BacklogGuard::record_bytes() const {
    return std::max(config_.embedded.backlog_record_bytes, largest_record_ + kBatchOverhead);
}

bool BacklogGuard::try_reserve(std::int32_t partition, std::size_t bytes) {
    if (partition < 0 || partition >= partitions_) return true;  // the producer will reject it anyway
    std::lock_guard lock(mutex_);
    largest_record_ = std::max(largest_record_, static_cast<std::int64_t>(bytes));
    Partition& p = state_[static_cast<std::size_t>(partition)];
    const std::int64_t after = estimate(p) + 1;
    if (after > config_.embedded.backlog_limit_records || after * record_bytes() > config_.embedded.backlog_limit_bytes) {
        return false;
    }
    ++p.in_flight;
    return true;
}

void BacklogGuard::on_delivery(std::int32_t partition, bool stored, std::int64_t offset) {
    if (partition < 0 || partition >= partitions_) return;
    std::lock_guard lock(mutex_);
    Partition& p = state_[static_cast<std::size_t>(partition)];
    --p.in_flight;
    if (!stored) return;
    if (offset >= 0) {
        p.acked_end = std::max(p.acked_end, offset + 1);
    } else {
        ++p.unplaced;
    }
}

std::vector<PartitionBacklog> BacklogGuard::snapshot() const {
    std::lock_guard lock(mutex_);
    std::vector<PartitionBacklog> out;
    const std::int64_t size = record_bytes();
    for (std::int32_t i = 0; i < partitions_; ++i) {
        const std::int64_t records = estimate(state_[static_cast<std::size_t>(i)]);
        out.push_back({i, records, records * size});
    }
    return out;
}

void BacklogGuard::sample() {
    std::lock_guard one_at_a_time(sample_mutex_);
    if (!probe_) return;
    std::vector<std::int64_t> unplaced_before(static_cast<std::size_t>(partitions_));
    {
        std::lock_guard lock(mutex_);
        for (std::size_t i = 0; i < state_.size(); ++i) unplaced_before[i] = state_[i].unplaced;
    }
    const std::string& topic = config_.topics.issue;
    PartitionList committed(rd_kafka_topic_partition_list_new(partitions_));
    for (std::int32_t i = 0; i < partitions_; ++i) rd_kafka_topic_partition_list_add(committed.get(), topic.c_str(), i);
    // Committed first, watermarks second: a commit landing in between only makes the estimate larger.
    rd_kafka_resp_err_t err = rd_kafka_committed(probe_.get(), committed.get(), kBrokerTimeoutMs);
    std::vector<std::int64_t> highs(static_cast<std::size_t>(partitions_));
    std::vector<std::int64_t> dones(static_cast<std::size_t>(partitions_));
    for (std::int32_t i = 0; err == RD_KAFKA_RESP_ERR_NO_ERROR && i < partitions_; ++i) {
        int64_t low = 0, high = 0;
        err = rd_kafka_query_watermark_offsets(probe_.get(), topic.c_str(), i, &low, &high, kBrokerTimeoutMs);
        highs[static_cast<std::size_t>(i)] = high;
        dones[static_cast<std::size_t>(i)] = std::max<std::int64_t>(committed->elems[i].offset, low);  // none yet: from low
    }
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        // Keep the old numbers: local counting goes on, so the estimate still grows with every record.
        log::warn("backlog", "cannot sample the backlog of {}: {}", topic, rd_kafka_err2str(err));
        return;
    }
    {
        std::lock_guard lock(mutex_);
        for (std::size_t i = 0; i < state_.size(); ++i) {
            state_[i].high = highs[i];
            state_[i].done = dones[i];
            state_[i].unplaced_at_sample = unplaced_before[i];
        }
    }
    publish_gauges();
}

void BacklogGuard::publish_gauges() {
    for (const PartitionBacklog& b : snapshot()) {
        MessagingMetrics::backlog_records(b.partition).store(b.records, std::memory_order_relaxed);
        MessagingMetrics::backlog_bytes(b.partition).store(b.bytes, std::memory_order_relaxed);
    }
}

void BacklogGuard::sample_loop() {
    std::unique_lock lock(wake_mutex_);
    while (!wake_.wait_for(lock, config_.embedded.backlog_sample_interval, [this] { return stopping_; })) {
        lock.unlock();
        sample();
        lock.lock();
    }
}

}  // namespace coupon::messaging
