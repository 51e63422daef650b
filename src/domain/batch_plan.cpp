#include "coupon/domain/batch_plan.hpp"

#include <string_view>

namespace coupon::domain {
namespace {

Outcome decide(const IssueRequest& request, CouponPolicy* policy, const UserPolicySet& holders,
               UserPolicySet& issued_here, TimePoint now) {
    if (policy == nullptr) return Outcome::NotFound;
    if (!policy->open_at(now)) return Outcome::NotOpen;
    const UserPolicy key{request.user_id, request.policy_id};
    if (holders.contains(key) || issued_here.contains(key)) return Outcome::AlreadyIssued;
    if (policy->issued_quantity >= policy->total_quantity) return Outcome::SoldOut;
    // After the window, the holder and the stock: what the edge answers from those never turns wrong when an
    // operator pauses or closes the policy (docs/policy-lifecycle.md).
    if (policy->status == PolicyStatus::Closed) return Outcome::Closed;
    if (policy->status == PolicyStatus::Paused) return Outcome::Paused;
    policy->issued_quantity += 1;
    issued_here.insert(key);
    return Outcome::Issued;
}

}  // namespace

BatchPlan plan_batch(const std::vector<IssueRequest>& batch,
                     const std::unordered_map<std::string, IssueResult>& known,
                     std::unordered_map<PolicyId, CouponPolicy> policies, const UserPolicySet& holders,
                     TimePoint now) {
    BatchPlan plan;
    plan.results.reserve(batch.size());
    UserPolicySet issued_here;
    // request id -> index in plan.results; the ids are the batch's own, which outlive this call
    std::unordered_map<std::string_view, std::size_t> decided_here;
    decided_here.reserve(batch.size());

    for (const IssueRequest& request : batch) {
        // A record delivered again (consumer restart, producer retry stored twice) keeps its first outcome,
        // FAILED included: only an operator's replay decides a dead-lettered request again.
        if (auto it = known.find(request.request_id); it != known.end() && settles(it->second, request)) {
            plan.results.push_back(it->second);
            continue;
        }
        if (auto it = decided_here.find(request.request_id); it != decided_here.end()) {
            plan.results.push_back(plan.results[it->second]);
            continue;
        }
        auto policy_it = policies.find(request.policy_id);
        CouponPolicy* policy = policy_it == policies.end() ? nullptr : &policy_it->second;

        IssueResult result;
        result.request_id = request.request_id;
        result.user_id = request.user_id;
        result.policy_id = request.policy_id;
        result.outcome = decide(request, policy, holders, issued_here, now);
        result.decided_at = now;
        if (policy != nullptr) result.remaining = policy->remaining();
        if (result.outcome == Outcome::Issued) {
            result.issued_at = now;
            plan.issued_delta[request.policy_id] += 1;
        }
        decided_here.emplace(request.request_id, plan.results.size());
        plan.results.push_back(result);
        plan.decisions.push_back(IssueDecision{request, std::move(result)});
    }
    return plan;
}

}  // namespace coupon::domain
