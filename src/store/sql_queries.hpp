#pragma once
// domain::CouponQueries over a pool of SOCI sessions, for either backend (the SQL is common to SQLite
// and PostgreSQL): each call leases one session, so HTTP threads read in parallel.
#include "coupon/domain/coupon_queries.hpp"
#include "session_pool.hpp"

namespace coupon::store {

class SqlQueries final : public domain::CouponQueries {
public:
    // Every session of `pool` must already be open; `write` gives the one write here (a new policy) its turn.
    SqlQueries(soci::connection_pool& pool, SessionKeeper keeper, WriteStyle write)
        : sessions_(pool, std::move(keeper)), write_(std::move(write)) {}

    domain::CouponPolicy create_policy(const domain::NewCouponPolicy& policy) override;
    std::optional<domain::CouponPolicy> find_policy(domain::PolicyId id) override;
    std::vector<domain::CouponPolicy> policies_after(domain::PolicyId after, std::size_t limit) override;
    std::optional<domain::IssueResult> find_result(const std::string& request_id) override;
    std::vector<domain::Coupon> coupons_of(domain::UserId user) override;
    std::vector<domain::PolicyId> sold_out_policies() override;
    bool ping() override;

private:
    PooledSessions sessions_;
    WriteStyle write_;
};

}  // namespace coupon::store
