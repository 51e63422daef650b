#include "issued_counts.hpp"

#include <fmt/format.h>

#include "coupon/domain/store_error.hpp"

namespace coupon::store {

void check_coupons_match_issued_counts(const std::vector<domain::IssueDecision>& decisions,
                                       const std::unordered_map<domain::PolicyId, std::int64_t>& issued_delta) {
    std::unordered_map<domain::PolicyId, std::int64_t> coupons;
    for (const domain::IssueDecision& d : decisions) {
        if (d.result.outcome == domain::Outcome::Issued) ++coupons[d.request.policy_id];
    }
    for (const auto& [policy, count] : coupons) {
        const auto it = issued_delta.find(policy);
        const std::int64_t counted = it == issued_delta.end() ? 0 : it->second;
        if (counted != count) {
            throw domain::StoreError(
                fmt::format("{} coupons of policy {} against an issued count of {}", count, policy, counted));
        }
    }
}

}  // namespace coupon::store
