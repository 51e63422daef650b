#pragma once
// Read side and policy administration, used by the HTTP front end. Implementations are thread-safe.
// Failures to reach the database are thrown as StoreError.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "coupon/domain/issue_store.hpp"
#include "coupon/domain/types.hpp"

namespace coupon::domain {

class CouponQueries {
public:
    virtual ~CouponQueries() = default;
    virtual CouponPolicy create_policy(const NewCouponPolicy& policy) = 0;
    virtual std::optional<CouponPolicy> find_policy(PolicyId id) = 0;
    // Up to `limit` policies with an id above `after`, in id order (the front end's catalog, docs/edge-answers.md).
    virtual std::vector<CouponPolicy> policies_after(PolicyId after, std::size_t limit) = 0;
    virtual std::optional<IssueResult> find_result(const std::string& request_id) = 0;
    virtual std::vector<Coupon> coupons_of(UserId user) = 0;
    // Policies whose stock is gone, so a restarted node answers 409 at once without asking Kafka.
    virtual std::vector<PolicyId> sold_out_policies() = 0;
    // True when the database answers a trivial query (readiness).
    virtual bool ping() = 0;
};

}  // namespace coupon::domain
