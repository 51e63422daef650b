#include "partition_progress.hpp"

#include <algorithm>
#include <cmath>

#include "coupon/base/log.hpp"

namespace coupon::messaging {
namespace {

constexpr std::chrono::milliseconds kMinInterval{250};
constexpr std::chrono::seconds kWindow{10};
// A rate over less than this is mostly noise (commits come in batches).
constexpr std::chrono::milliseconds kMinRateSpan{500};
// recent_place() trusts a sample this old: the queue moves by at most a second's decisions meanwhile.
constexpr std::chrono::seconds kRecentFor{1};

}  // namespace

bool PartitionProgress::refresh() {
    const auto now = clock_.now();
    if (!samples_.empty() && now - samples_.back().at < kMinInterval) return true;
    if (!probe_.started()) {
        probe_.start();
        partitions_ = probe_.partition_count(config_.topics.issue, config_.topics.partitions);
    }
    const auto readings = probe_.read_committed({{config_.topics.issue, config_.group_id, partitions_}});
    if (!readings.at(0).error.empty()) {
        log::warn("kafka", "committed offsets of {}: {}", config_.group_id, readings[0].error);
        return false;
    }
    samples_.push_back({now, readings[0].done});
    while (samples_.size() > 1 && now - samples_.front().at > kWindow) samples_.pop_front();
    return true;
}

std::optional<domain::QueuePlace> PartitionProgress::place(domain::RecordLocation where) {
    std::lock_guard lock(mutex_);
    try {
        if (!refresh()) return std::nullopt;
    } catch (const std::exception& e) {
        log::warn("kafka", "committed offsets of {}: {}", config_.group_id, e.what());
        probe_.stop();  // a fresh client next time
        return std::nullopt;
    }
    return place_from_samples(where);
}

std::optional<domain::QueuePlace> PartitionProgress::recent_place(domain::RecordLocation where) {
    std::unique_lock lock(mutex_, std::try_to_lock);
    if (!lock.owns_lock() || samples_.empty() || clock_.now() - samples_.back().at > kRecentFor) return std::nullopt;
    return place_from_samples(where);
}

std::optional<domain::QueuePlace> PartitionProgress::place_from_samples(domain::RecordLocation where) const {
    if (where.partition < 0 || where.partition >= partitions_ || samples_.empty()) return std::nullopt;
    const auto p = static_cast<std::size_t>(where.partition);
    const Sample& newest = samples_.back();
    domain::QueuePlace place;
    place.ahead = std::max<std::int64_t>(0, where.offset - newest.done[p]);
    if (place.ahead == 0) {
        place.estimated_wait_ms = 0;
        return place;
    }
    // The rate since the partition started moving within the window: idle time before that (no consumer
    // yet, nothing to decide) says nothing about how fast the queue moves now. Idle time after it does.
    std::size_t from = 0;
    while (from + 1 < samples_.size() && samples_[from + 1].done[p] == samples_[from].done[p]) ++from;
    const Sample& oldest = samples_[from];
    const auto span = std::chrono::duration<double>(newest.at - oldest.at);
    const std::int64_t decided = newest.done[p] - oldest.done[p];
    if (span >= kMinRateSpan && decided > 0) {
        const double per_second = static_cast<double>(decided) / span.count();
        place.estimated_wait_ms = static_cast<std::int64_t>(std::ceil(static_cast<double>(place.ahead) * 1000.0 / per_second));
    }
    return place;
}

}  // namespace coupon::messaging
