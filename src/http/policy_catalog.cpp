#include "policy_catalog.hpp"

#include <algorithm>
#include <vector>

#include "coupon/base/log.hpp"

namespace coupon::http {
namespace {

// Read when the window had opened (so it can no longer change), or closed (for good).
bool settled_when_read(const domain::CouponPolicy& policy, domain::TimePoint wall_read_at) {
    if (policy.status == domain::PolicyStatus::Closed) return true;
    return policy.opened_by(wall_read_at);
}

}  // namespace

PolicyCatalog::Lookup PolicyCatalog::find(domain::PolicyId id, SteadyTime now) const {
    std::shared_lock lock(mutex_);
    if (auto it = policies_.find(id); it != policies_.end()) {
        const Entry& entry = it->second;
        if (entry.settled) return {entry.policy, false, false};
        const auto age = now - entry.read_at;
        return {age < kFreshFor ? std::optional(entry.policy) : std::nullopt, false, age >= kSettle};
    }
    return {std::nullopt, id <= trusted_max_ && policies_.size() < capacity_, false};
}

void PolicyCatalog::remember(const domain::CouponPolicy& policy, SteadyTime read_at, domain::TimePoint wall_read_at) {
    domain::CouponPolicy kept;  // the name and counts are not needed here, and the counts change
    kept.id = policy.id;
    kept.issue_start_at = policy.issue_start_at;
    kept.issue_end_at = policy.issue_end_at;
    kept.status = policy.status;
    kept.revision = policy.revision;
    const bool settled = settled_when_read(policy, wall_read_at);
    std::unique_lock lock(mutex_);
    auto it = policies_.find(policy.id);
    if (it == policies_.end()) {
        if (policies_.size() >= capacity_) return;
        it = policies_.emplace(policy.id, Entry{}).first;
    } else if (it->second.policy.revision > policy.revision) {
        return;  // a read that began before a change this node already knows
    }
    it->second = Entry{kept, std::max(it->second.read_at, read_at), settled || it->second.settled};
    if (it->second.settled) {
        unsettled_.erase(policy.id);
    } else {
        unsettled_.insert(policy.id);
    }
}

bool PolicyCatalog::begin_refresh(SteadyTime now) {
    std::unique_lock lock(mutex_);
    if (refreshing_ || (refreshed_ && now - last_refresh_ < kSettle)) return false;
    refreshing_ = true;
    last_refresh_ = now;
    refreshed_ = true;
    return true;
}

void PolicyCatalog::reread_unsettled(domain::CouponQueries& queries, SteadyTime now, domain::TimePoint wall_now) {
    std::vector<domain::PolicyId> ids;
    {
        std::shared_lock lock(mutex_);
        for (auto it = unsettled_.upper_bound(reread_cursor_); it != unsettled_.end() && ids.size() < kRereadBatch;
             ++it) {
            ids.push_back(*it);
        }
        for (auto it = unsettled_.begin(); it != unsettled_.end() && ids.size() < kRereadBatch && *it <= reread_cursor_;
             ++it) {
            ids.push_back(*it);  // wrapped around: the lowest ids after the highest
        }
    }
    for (const auto id : ids) {
        if (auto policy = queries.find_policy(id)) remember(*policy, now, wall_now);
    }
    std::unique_lock lock(mutex_);
    if (!ids.empty()) reread_cursor_ = ids.size() < kRereadBatch ? 0 : ids.back();
}

void PolicyCatalog::refresh(domain::CouponQueries& queries, SteadyTime now, domain::TimePoint wall_now) {
    domain::PolicyId after = 0;
    {
        std::shared_lock lock(mutex_);
        after = trusted_max_;
    }
    std::vector<domain::CouponPolicy> found;
    bool read = false;
    try {
        found = queries.policies_after(after, kRefreshBatch);
        read = true;
        reread_unsettled(queries, now, wall_now);
    } catch (const std::exception& e) {
        log::debug("http", "policy catalog not refreshed: {}", e.what());
    }
    for (const auto& policy : found) remember(policy, now, wall_now);
    std::unique_lock lock(mutex_);
    refreshing_ = false;
    if (!read) return;
    // The highest id an earlier refresh read is trusted once this refresh, begun kSettle or more after that
    // one, has read everything above the old trusted id: an insert that had taken a lower id then has
    // committed and been read by now. Reading in id order, a full batch still counts up to its last id.
    domain::PolicyId highest = after;
    for (const auto& policy : found) highest = std::max(highest, policy.id);
    const domain::PolicyId covered = found.size() < kRefreshBatch ? pending_max_ : std::min(pending_max_, highest);
    if (covered > trusted_max_ && now - pending_since_ >= kSettle) trusted_max_ = covered;
    if (highest > pending_max_) {
        pending_max_ = highest;
        pending_since_ = now;
    }
}

void PolicyCatalog::cancel_refresh() {
    std::unique_lock lock(mutex_);
    refreshing_ = false;
}

domain::PolicyId PolicyCatalog::trusted_max() const {
    std::shared_lock lock(mutex_);
    return trusted_max_;
}

std::size_t PolicyCatalog::size() const {
    std::shared_lock lock(mutex_);
    return policies_.size();
}

}  // namespace coupon::http
