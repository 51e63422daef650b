#include "coupon/domain/coupon_issuer.hpp"

#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace coupon::domain {

std::vector<IssueResult> CouponIssuer::apply(const std::vector<IssueRequest>& batch) {
    if (batch.empty()) return {};
    std::vector<std::string> request_ids;
    std::vector<PolicyId> policy_ids;
    std::vector<UserPolicy> pairs;
    std::unordered_set<PolicyId> seen_policies;
    UserPolicySet seen_pairs;
    request_ids.reserve(batch.size());
    for (const IssueRequest& r : batch) {
        request_ids.push_back(r.request_id);
        if (seen_policies.insert(r.policy_id).second) policy_ids.push_back(r.policy_id);
        if (seen_pairs.insert({r.user_id, r.policy_id}).second) pairs.push_back({r.user_id, r.policy_id});
    }

    auto tx = store_.begin();
    // Lock first: a store whose reads do not block (PostgreSQL, READ COMMITTED) then reads the outcomes
    // a concurrent consumer committed while this one waited for the lock, instead of a stale view.
    auto policies = tx->lock_policies(policy_ids);
    const auto known = tx->find_results(request_ids);
    const auto holders = tx->find_holders(pairs);
    BatchPlan plan = plan_batch(batch, known, std::move(policies), holders, clock_.now());
    tx->write(plan.decisions, plan.issued_delta);
    tx->commit();

    // The store assigned coupon ids while writing; copy them to every result of the same request.
    std::unordered_map<std::string_view, const IssueResult*> written;  // keys: the decisions' own ids
    written.reserve(plan.decisions.size());
    for (const IssueDecision& d : plan.decisions) written.emplace(d.result.request_id, &d.result);
    for (IssueResult& r : plan.results) {
        if (auto it = written.find(r.request_id); it != written.end()) r = *it->second;
    }
    return plan.results;
}

}  // namespace coupon::domain
