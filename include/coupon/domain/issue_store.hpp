#pragma once
// Ports the issuing rules need from a database. One IssueTransaction is one database transaction:
// the reads see a consistent state, the policies read through lock_policies stay locked until commit,
// and nothing is visible to others before commit(). Destroying it without commit() rolls back.
// Adapters report system failures (connection lost, disk full, locked) by throwing StoreError.
#include <memory>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "coupon/domain/store_error.hpp"
#include "coupon/domain/types.hpp"

namespace coupon::domain {

struct UserPolicy {
    UserId user_id = 0;
    PolicyId policy_id = 0;
    friend bool operator==(const UserPolicy&, const UserPolicy&) = default;
};

struct UserPolicyHash {
    std::size_t operator()(const UserPolicy& k) const noexcept {
        return std::hash<UserId>{}(k.user_id) * 1000003u ^ std::hash<PolicyId>{}(k.policy_id);
    }
};

using UserPolicySet = std::unordered_set<UserPolicy, UserPolicyHash>;

// A request decided in this batch, to be written.
struct IssueDecision {
    IssueRequest request;
    IssueResult result;  // for Issued, the store fills result.coupon_id
};

class IssueTransaction {
public:
    virtual ~IssueTransaction() = default;
    // Outcomes already recorded for any of these request ids (a redelivered record).
    virtual std::unordered_map<std::string, IssueResult> find_results(
        const std::vector<std::string>& request_ids) = 0;
    // Locks the policies for the rest of the transaction and returns those that exist.
    virtual std::unordered_map<PolicyId, CouponPolicy> lock_policies(const std::vector<PolicyId>& ids) = 0;
    // The subset of pairs for which the user already holds a coupon of the policy.
    virtual UserPolicySet find_holders(const std::vector<UserPolicy>& pairs) = 0;
    // Writes the decisions: inserts a coupon per Issued decision (setting result.coupon_id),
    // inserts or replaces the request's outcome row, and adds issued_delta to each policy's issued count.
    virtual void write(std::vector<IssueDecision>& decisions,
                       const std::unordered_map<PolicyId, std::int64_t>& issued_delta) = 0;
    virtual void commit() = 0;
};

class IssueStore {
public:
    virtual ~IssueStore() = default;
    virtual std::unique_ptr<IssueTransaction> begin() = 0;
};

}  // namespace coupon::domain
