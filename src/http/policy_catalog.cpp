#include "policy_catalog.hpp"

#include <algorithm>

#include "coupon/base/log.hpp"

namespace coupon::http {

PolicyCatalog::Lookup PolicyCatalog::find(domain::PolicyId id) const {
    std::shared_lock lock(mutex_);
    if (auto it = policies_.find(id); it != policies_.end()) return {it->second, false};
    return {std::nullopt, id <= trusted_max_ && policies_.size() < capacity_};
}

void PolicyCatalog::remember(const domain::CouponPolicy& policy) {
    domain::CouponPolicy window;  // the name and counts are not needed here, and the counts change
    window.id = policy.id;
    window.issue_start_at = policy.issue_start_at;
    window.issue_end_at = policy.issue_end_at;
    std::unique_lock lock(mutex_);
    if (policies_.size() >= capacity_ && !policies_.contains(policy.id)) return;
    policies_[policy.id] = window;
}

bool PolicyCatalog::begin_refresh(SteadyTime now) {
    std::unique_lock lock(mutex_);
    if (refreshing_ || (refreshed_ && now - last_refresh_ < kSettle)) return false;
    refreshing_ = true;
    last_refresh_ = now;
    refreshed_ = true;
    return true;
}

void PolicyCatalog::refresh(domain::CouponQueries& queries, SteadyTime now) {
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
    } catch (const std::exception& e) {
        log::debug("http", "policy catalog not refreshed: {}", e.what());
    }
    for (const auto& policy : found) remember(policy);
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
