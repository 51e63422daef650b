#pragma once
// In-memory IssueStore for pure domain tests and for Kafka tests that need no SQL. A transaction holds
// one mutex from begin() to commit/rollback (like SQLite's BEGIN IMMEDIATE) and buffers its writes.
#include <map>
#include <mutex>
#include <optional>

#include "coupon/domain/dead_letters.hpp"
#include "coupon/domain/issue_store.hpp"

namespace coupon::test {

class InMemoryStore final : public domain::IssueStore {
public:
    struct State {
        std::map<domain::PolicyId, domain::CouponPolicy> policies;
        std::map<std::string, domain::IssueResult> results;     // by request id
        std::map<domain::CouponId, domain::Coupon> coupons;
        domain::CouponId next_coupon_id = 1;
        std::vector<domain::DeadLetter> dead_letters;  // id = index + 1
    };

    domain::PolicyId add_policy(domain::CouponPolicy policy);
    std::unique_ptr<domain::IssueTransaction> begin() override;

    // Makes the next `count` begin() calls throw StoreError (a database that fails now and then).
    void fail_next(int count);
    // While down, every begin() and every dead-letter call throws StoreError (a database that is unreachable).
    void set_down(bool down);
    State snapshot() const;

    // The dead-letter side of the same database (in_memory_dead_letters.hpp adapts it to the port):
    // stores the letter (once per topic/partition/offset) and, in the same "transaction", records FAILED for
    // its request unless a final outcome is there. Returns the FAILED result when it recorded one.
    std::optional<domain::IssueResult> record_dead_letter(domain::DeadLetter& letter, domain::TimePoint now);
    domain::DeadLetterPage list_dead_letters(const domain::DeadLetterQuery& query);
    std::optional<domain::DeadLetter> find_dead_letter(std::int64_t id);
    void mark_dead_letter_replayed(std::int64_t id, domain::TimePoint at);

private:
    friend class InMemoryTransaction;
    mutable std::mutex mutex_;
    State state_;
    void check_up_locked();
    int failures_left_ = 0;
    bool down_ = false;
};

}  // namespace coupon::test
