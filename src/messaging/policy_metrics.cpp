#include "policy_metrics.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace coupon::messaging {
namespace {

constexpr const char* kOutcomesName = "coupon_issue_outcomes_total";
constexpr const char* kOutcomesHelp =
    "Issue outcomes decided by consumers, by policy (bounded: later policies and unknown ids count as \"other\")";
constexpr const char* kStockName = "coupon_policy_remaining_stock";
constexpr const char* kStockHelp =
    "Coupons left per policy as the last transaction of this node's consumers saw it (min across nodes is newest)";
// A View forgets its cache past this many times the bound (policies beyond the bound are cached too, each
// pointing at "other").
constexpr std::size_t kCacheFactor = 4;

}  // namespace

void set_policy_series_bound(std::size_t policies) { PolicyMetrics::global().set_max_policies(policies); }

PolicyMetrics& PolicyMetrics::global() {
    static PolicyMetrics* instance = new PolicyMetrics();  // never destroyed: consumers may count at exit
    return *instance;
}

PolicyMetrics::PolicyMetrics() : other_(make("other", false)) {}

PolicyMetrics::Series PolicyMetrics::make(const std::string& policy_label, bool with_stock) {
    auto& metrics = base::Metrics::global();
    Series s;
    for (std::size_t i = 0; i < kOutcomes; ++i) {
        const auto outcome = static_cast<domain::Outcome>(i);
        if (outcome == domain::Outcome::Pending) continue;
        s.outcomes[i] = &metrics.counter(kOutcomesName, kOutcomesHelp,
                                         fmt::format(R"(policy="{}",outcome="{}")", policy_label, domain::to_string(outcome)));
    }
    if (with_stock) {
        s.remaining = &metrics.gauge(kStockName, kStockHelp, fmt::format(R"(policy="{}")", policy_label));
        s.remaining->store(base::Metrics::kAbsent, std::memory_order_relaxed);  // not known until a decision
    }
    return s;
}

const PolicyMetrics::Series& PolicyMetrics::series(domain::PolicyId policy) {
    std::lock_guard lock(mutex_);
    if (auto it = policies_.find(policy); it != policies_.end()) return it->second;
    if (policies_.size() >= max_policies()) return other_;
    return policies_.emplace(policy, make(std::to_string(policy), true)).first->second;
}

const PolicyMetrics::Series& PolicyMetrics::other() { return other_; }

const PolicyMetrics::Series& PolicyMetrics::View::lookup(const domain::IssueResult& result) {
    if (result.outcome == domain::Outcome::NotFound) return global().other();
    if (auto it = cache_.find(result.policy_id); it != cache_.end()) return *it->second;
    if (cache_.size() >= kCacheFactor * std::max<std::size_t>(global().max_policies(), 16)) cache_.clear();
    const Series& s = global().series(result.policy_id);
    cache_.emplace(result.policy_id, &s);
    return s;
}

void PolicyMetrics::View::count(const domain::IssueResult& result) {
    const auto index = static_cast<std::size_t>(result.outcome);
    if (index >= kOutcomes || result.outcome == domain::Outcome::Pending) return;
    const Series& s = lookup(result);
    s.outcomes[index]->fetch_add(1, std::memory_order_relaxed);
    // A NOT_OPEN result may come before the window opens, while the stock may still be raised
    // (docs/policy-lifecycle.md); the gauge only falls, so it takes figures from inside the window only.
    if (!s.remaining || result.remaining < 0 || result.outcome == domain::Outcome::NotOpen) return;
    auto current = s.remaining->load(std::memory_order_relaxed);
    while ((current == base::Metrics::kAbsent || result.remaining < current) &&
           !s.remaining->compare_exchange_weak(current, result.remaining, std::memory_order_relaxed)) {
    }
}

}  // namespace coupon::messaging
