#pragma once
// Pure decision step: given what the database holds, decide a batch in offset order exactly as if the
// requests had been applied one by one.
#include <unordered_map>
#include <vector>

#include "coupon/domain/issue_store.hpp"

namespace coupon::domain {

struct BatchPlan {
    std::vector<IssueResult> results;       // one per request, same order (coupon ids filled after write)
    std::vector<IssueDecision> decisions;   // new outcomes to write: redeliveries and in-batch repeats excluded
    std::unordered_map<PolicyId, std::int64_t> issued_delta;
};

BatchPlan plan_batch(const std::vector<IssueRequest>& batch,
                     const std::unordered_map<std::string, IssueResult>& known,
                     std::unordered_map<PolicyId, CouponPolicy> policies,
                     const UserPolicySet& holders, TimePoint now);

}  // namespace coupon::domain
