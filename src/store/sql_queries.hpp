#pragma once
// domain::CouponQueries over a pool of SOCI sessions, for either backend (the SQL is common to SQLite
// and PostgreSQL): each call leases one session, so HTTP threads read in parallel.
#include <soci/connection-pool.h>

#include <functional>
#include <string_view>

#include "coupon/domain/coupon_queries.hpp"

namespace soci {
class session;
}

namespace coupon::store {

// How a backend keeps pooled sessions usable after the server went away (PostgreSQL restart); both
// are no-ops for SQLite, whose "connection" is a file handle.
struct SessionKeeper {
    std::function<bool(soci::session&)> healthy;  // false once the connection is known to be broken
    std::function<void(soci::session&)> revive;   // reconnects and re-applies the session settings
};

class SqlQueries final : public domain::CouponQueries {
public:
    // Every session of `pool` must already be open.
    SqlQueries(soci::connection_pool& pool, SessionKeeper keeper) : pool_(pool), keeper_(std::move(keeper)) {}

    domain::CouponPolicy create_policy(const domain::NewCouponPolicy& policy) override;
    std::optional<domain::CouponPolicy> find_policy(domain::PolicyId id) override;
    std::optional<domain::IssueResult> find_result(const std::string& request_id) override;
    std::vector<domain::Coupon> coupons_of(domain::UserId user) override;
    std::vector<domain::PolicyId> sold_out_policies() override;
    bool ping() override;

    // See Database::record_failed.
    bool record_failed(const domain::IssueRequest& request, const std::string& error);

private:
    // Leases a session (reviving it if an earlier call found it broken) and runs f(session). When f
    // fails because the connection broke and f may safely run twice, it runs once more on a fresh
    // connection, so the first read after a database restart does not fail. Throws StoreError.
    template <typename F>
    auto with_session(std::string_view what, bool idempotent, F&& f);

    soci::connection_pool& pool_;
    SessionKeeper keeper_;
};

}  // namespace coupon::store
