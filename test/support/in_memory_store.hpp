#pragma once
// In-memory IssueStore for pure domain tests and for Kafka tests that need no SQL. A transaction holds
// one mutex from begin() to commit/rollback (like SQLite's BEGIN IMMEDIATE) and buffers its writes.
#include <map>
#include <mutex>
#include <optional>

#include "coupon/domain/issue_store.hpp"

namespace coupon::test {

class InMemoryStore final : public domain::IssueStore {
public:
    struct State {
        std::map<domain::PolicyId, domain::CouponPolicy> policies;
        std::map<std::string, domain::IssueResult> results;     // by request id
        std::map<domain::CouponId, domain::Coupon> coupons;
        domain::CouponId next_coupon_id = 1;
    };

    domain::PolicyId add_policy(domain::CouponPolicy policy);
    std::unique_ptr<domain::IssueTransaction> begin() override;

    // Makes the next `count` begin() calls throw StoreError (a database that is down).
    void fail_next(int count);
    State snapshot() const;

private:
    friend class InMemoryTransaction;
    mutable std::mutex mutex_;
    State state_;
    int failures_left_ = 0;
};

}  // namespace coupon::test
