#include "partition_ownership.hpp"

namespace coupon::messaging {

PartitionOwnership::PartitionOwnership(int workers)
    : busy_(static_cast<std::size_t>(workers)), batch_revoked_(static_cast<std::size_t>(workers), false) {}

void PartitionOwnership::assign(const std::vector<std::int32_t>& partitions) {
    std::lock_guard lock(mutex_);
    owned_.insert(partitions.begin(), partitions.end());
}

void PartitionOwnership::revoke(const std::vector<std::int32_t>& partitions) {
    std::unique_lock lock(mutex_);
    for (std::int32_t p : partitions) owned_.erase(p);
    auto holds_revoked = [&](std::size_t w) {
        for (std::int32_t p : partitions) {
            if (busy_[w].count(p)) return true;
        }
        return false;
    };
    for (std::size_t w = 0; w < busy_.size(); ++w) {
        if (holds_revoked(w)) batch_revoked_[w] = true;
    }
    idle_.wait(lock, [&] {
        for (std::size_t w = 0; w < busy_.size(); ++w) {
            if (holds_revoked(w)) return false;
        }
        return true;
    });
}

void PartitionOwnership::revoke_done(const std::vector<std::int32_t>& partitions) {
    std::lock_guard lock(mutex_);
    ++epoch_;
    for (std::int32_t p : partitions) revoked_at_[p] = epoch_;
}

std::uint64_t PartitionOwnership::epoch() const {
    std::lock_guard lock(mutex_);
    return epoch_;
}

std::set<std::int32_t> PartitionOwnership::begin_batch(int worker, std::uint64_t epoch_before_dequeue,
                                                       const std::set<std::int32_t>& partitions) {
    std::lock_guard lock(mutex_);
    std::set<std::int32_t> kept;
    for (std::int32_t p : partitions) {
        auto it = revoked_at_.find(p);
        const bool revoked_since = it != revoked_at_.end() && it->second > epoch_before_dequeue;
        if (owned_.count(p) && !revoked_since) kept.insert(p);
    }
    busy_[static_cast<std::size_t>(worker)] = kept;
    batch_revoked_[static_cast<std::size_t>(worker)] = false;
    return kept;
}

bool PartitionOwnership::batch_owned(int worker) const {
    std::lock_guard lock(mutex_);
    return !batch_revoked_[static_cast<std::size_t>(worker)];
}

void PartitionOwnership::end_batch(int worker) {
    {
        std::lock_guard lock(mutex_);
        busy_[static_cast<std::size_t>(worker)].clear();
    }
    idle_.notify_all();
}

bool PartitionOwnership::owns(std::int32_t partition) const {
    std::lock_guard lock(mutex_);
    return owned_.count(partition) > 0;
}

std::vector<std::int32_t> PartitionOwnership::owned() const {
    std::lock_guard lock(mutex_);
    return {owned_.begin(), owned_.end()};
}

}  // namespace coupon::messaging
