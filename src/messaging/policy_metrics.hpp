#pragma once
// Outcomes and stock per coupon policy, bounded:
//   coupon_issue_outcomes_total{policy="<id>",outcome="ISSUED|ALREADY_ISSUED|SOLD_OUT|NOT_FOUND|NOT_OPEN|FAILED"}
//   coupon_policy_remaining_stock{policy="<id>"}
// The first max_policies() (metrics.policy_series) policies decided since the process started get series of
// their own; later ones count
// under policy="other" (series are never dropped: a counter must not vanish). A NOT_FOUND outcome always counts
// under "other": its id belongs to no policy, and anyone can send any id, so it must not take a slot.
//
// The stock gauge is what the consumer's transaction saw (IssueResult::remaining) and only goes down: once a
// policy's window has opened its stock cannot be raised (a NOT_OPEN result, which may come before, is not
// taken), and a result read again (a redelivery) may carry an older, larger figure. Each node exports what its own consumers decided; across nodes the smallest is the newest.
//
// Counting is per record on the consumer's path: a View (one per consumer thread) caches the series it has
// seen, so the registry's lock is taken once per policy, not per record.
#include <array>
#include <atomic>
#include <cstddef>
#include <mutex>
#include <unordered_map>

#include "coupon/base/metrics.hpp"
#include "coupon/domain/types.hpp"
#include "coupon/messaging/policy_series.hpp"

namespace coupon::messaging {

class PolicyMetrics {
public:
    static constexpr std::size_t kOutcomes = static_cast<std::size_t>(domain::Outcome::Closed) + 1;  // the last outcome

    struct Series {
        std::array<base::Metrics::Value*, kOutcomes> outcomes{};  // null for Pending (never decided)
        base::Metrics::Value* remaining = nullptr;                // null for "other"
    };

    static PolicyMetrics& global();
    std::size_t max_policies() const { return max_policies_.load(std::memory_order_relaxed); }
    void set_max_policies(std::size_t policies) { max_policies_.store(policies, std::memory_order_relaxed); }
    // The policy's series, or "other" once max_policies() policies have their own. Takes a lock.
    const Series& series(domain::PolicyId policy);
    const Series& other();

    // A consumer thread's cache of series; not thread-safe (one per handler).
    class View {
    public:
        // Counts the result's outcome and lowers its policy's stock gauge to result.remaining (when known).
        void count(const domain::IssueResult& result);

    private:
        const Series& lookup(const domain::IssueResult& result);
        std::unordered_map<domain::PolicyId, const Series*> cache_;
    };

private:
    PolicyMetrics();
    Series make(const std::string& policy_label, bool with_stock);

    std::atomic<std::size_t> max_policies_{kDefaultPolicySeries};
    std::mutex mutex_;
    std::unordered_map<domain::PolicyId, Series> policies_;
    Series other_;
};

}  // namespace coupon::messaging
