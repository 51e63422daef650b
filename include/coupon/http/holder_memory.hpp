#pragma once
// Which users are known to hold a coupon of a policy, learned from the result topic, so a repeated claim is
// answered 409 COUPON_ALREADY_ISSUED at the edge instead of producing a record the consumer would refuse
// (docs/edge-answers.md). Coupons are never taken back, so a pair once seen stays true.
//
// Bounded: past `capacity` pairs the oldest are forgotten. A forgotten or never-seen pair answers false and
// the request goes through Kafka as before: the memory can miss, never claim a coupon nobody holds.
#include <cstddef>
#include <deque>
#include <mutex>

#include "coupon/domain/issue_store.hpp"
#include "coupon/domain/types.hpp"

namespace coupon::http {

class HolderMemory {
public:
    // capacity 0: remembers nothing.
    explicit HolderMemory(std::size_t capacity) : capacity_(capacity) {}

    // An ISSUED or ALREADY_ISSUED result proves the user holds the policy's coupon; other results say nothing.
    void learn(const domain::IssueResult& result);
    bool holds(domain::UserId user, domain::PolicyId policy) const;
    std::size_t size() const;

private:
    mutable std::mutex mutex_;
    domain::UserPolicySet pairs_;
    std::deque<domain::UserPolicy> order_;  // oldest first, to bound pairs_
    const std::size_t capacity_;
};

}  // namespace coupon::http
