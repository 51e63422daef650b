#pragma once
// What the issue path's foreign keys once checked row by row (sql/*/005 and 007 dropped them): every coupon
// of a batch names a policy that exists. A batch adds its issued coupons to each policy's issued count with
// an update that refuses the batch unless that policy exists (and has the stock); so the coupons of each
// policy must be exactly what the batch adds to it, and a coupon of a policy left out of the counts, or
// counted wrong, refuses the batch here. The planner never makes such a batch; this is the store's guard
// against one that ever would.
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "coupon/domain/issue_store.hpp"

namespace coupon::store {

// Throws domain::StoreError when the Issued decisions of some policy differ from issued_delta's count for it.
void check_coupons_match_issued_counts(const std::vector<domain::IssueDecision>& decisions,
                                       const std::unordered_map<domain::PolicyId, std::int64_t>& issued_delta);

}  // namespace coupon::store
