#pragma once
// The issuing rules (DESIGN.md section 4) applied to a batch of requests in one transaction.
#include <vector>

#include "coupon/domain/batch_plan.hpp"
#include "coupon/domain/clock.hpp"
#include "coupon/domain/issue_store.hpp"

namespace coupon::domain {

class CouponIssuer {
public:
    CouponIssuer(IssueStore& store, const Clock& clock) : store_(store), clock_(clock) {}

    // Decides every request in order, writes the decisions and commits. Returns one result per request,
    // in the same order. A redelivered request gets its first outcome. Throws StoreError (nothing
    // committed) when the database fails.
    std::vector<IssueResult> apply(const std::vector<IssueRequest>& batch);

private:
    IssueStore& store_;
    const Clock& clock_;
};

}  // namespace coupon::domain
