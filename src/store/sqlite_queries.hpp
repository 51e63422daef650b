#pragma once
// domain::CouponQueries on SQLite over a pool of sessions: each call leases one, so HTTP threads read in
// parallel (WAL readers do not block the consumer's writer, nor it them).
#include <soci/connection-pool.h>

#include <cstddef>

#include "coupon/domain/coupon_queries.hpp"

namespace coupon::store {

class SqliteQueries final : public domain::CouponQueries {
public:
    // Every session of `pool` must already be open (see open_sqlite).
    explicit SqliteQueries(soci::connection_pool& pool) : pool_(pool) {}

    domain::CouponPolicy create_policy(const domain::NewCouponPolicy& policy) override;
    std::optional<domain::CouponPolicy> find_policy(domain::PolicyId id) override;
    std::optional<domain::IssueResult> find_result(const std::string& request_id) override;
    std::vector<domain::Coupon> coupons_of(domain::UserId user) override;
    std::vector<domain::PolicyId> sold_out_policies() override;
    bool ping() override;

    // See Database::record_failed.
    bool record_failed(const domain::IssueRequest& request, const std::string& error);

private:
    soci::connection_pool& pool_;
};

}  // namespace coupon::store
