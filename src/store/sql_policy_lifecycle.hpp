#pragma once
// domain::PolicyLifecycle for either backend: a change is one write transaction on a pooled session that
// reads the policy with the consumer's lock (SQLite: BEGIN IMMEDIATE holds the write lock; PostgreSQL: the
// row's FOR UPDATE, which the issue batch takes too), applies the domain rule, and writes the policy and
// its audit row together.
#include <string>

#include "coupon/domain/policy_lifecycle.hpp"
#include "session_pool.hpp"

namespace coupon::store {

class SqlPolicyLifecycle final : public domain::PolicyLifecycle {
public:
    // `row_lock` ends the SELECT that reads the policy in the change's transaction (" FOR UPDATE" on
    // PostgreSQL; empty on SQLite, whose BEGIN IMMEDIATE already excludes every other writer).
    SqlPolicyLifecycle(soci::connection_pool& pool, SessionKeeper keeper, WriteStyle write, std::string row_lock)
        : sessions_(pool, std::move(keeper)), write_(std::move(write)), row_lock_(std::move(row_lock)) {}

    domain::ChangeResult change(domain::PolicyId id, const domain::PolicyChange& change, const domain::Actor& actor,
                                domain::TimePoint now) override;
    std::vector<domain::PolicyChangeRecord> changes_of(domain::PolicyId id, std::int64_t after,
                                                       std::size_t limit) override;

private:
    PooledSessions sessions_;
    WriteStyle write_;
    std::string row_lock_;
};

}  // namespace coupon::store
