#pragma once
// The database as the HTTP routes see it while the node may still be waiting for it: the read side and the
// dead-letter store of the Database once attached, StoreError before (the router answers 503
// DATABASE_UNAVAILABLE with a JSON body). Lets the node serve /health, /ready and the Kafka-only POST path
// from its first second, whatever the database does.
#include <atomic>

#include "coupon/domain/coupon_queries.hpp"
#include "coupon/domain/dead_letters.hpp"
#include "coupon/domain/policy_lifecycle.hpp"
#include "coupon/store/database.hpp"

namespace coupon::app {

class DatabaseGate final : public domain::CouponQueries,
                           public domain::DeadLetterStore,
                           public domain::PolicyLifecycle {
public:
    // Once, when the database opened; `database` must outlive every call (the node detaches nothing: it
    // stops the HTTP server before it closes the database).
    void attach(store::Database* database);
    bool attached() const;

    // CouponQueries. ping() is false while detached; the rest throw StoreError then.
    domain::CouponPolicy create_policy(const domain::NewCouponPolicy& policy) override;
    std::optional<domain::CouponPolicy> find_policy(domain::PolicyId id) override;
    std::vector<domain::CouponPolicy> policies_after(domain::PolicyId after, std::size_t limit) override;
    std::optional<domain::IssueResult> find_result(const std::string& request_id) override;
    std::vector<domain::Coupon> coupons_of(domain::UserId user) override;
    std::vector<domain::PolicyId> sold_out_policies() override;
    bool ping() override;

    // DeadLetterStore (the admin endpoints; the DLT consumer has its own store).
    std::optional<domain::IssueResult> record(domain::DeadLetter& letter, domain::TimePoint now) override;
    domain::DeadLetterPage list(const domain::DeadLetterQuery& query) override;
    std::optional<domain::DeadLetter> find(std::int64_t id) override;
    void mark_replayed(std::int64_t id, domain::TimePoint at) override;

    // PolicyLifecycle (the admin policy changes, docs/policy-lifecycle.md).
    domain::ChangeResult change(domain::PolicyId id, const domain::PolicyChange& change, const domain::Actor& actor,
                                domain::TimePoint now) override;
    std::vector<domain::PolicyChangeRecord> changes_of(domain::PolicyId id, std::int64_t after,
                                                       std::size_t limit) override;

private:
    store::Database& database() const;  // throws StoreError while detached
    std::atomic<store::Database*> database_{nullptr};
};

}  // namespace coupon::app
