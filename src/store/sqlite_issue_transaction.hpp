#pragma once
// One batch's transaction on an IssueStatements set; rolls back unless commit() succeeded.
#include "coupon/domain/issue_store.hpp"

namespace coupon::store {

struct IssueStatements;

class SqliteIssueTransaction final : public domain::IssueTransaction {
public:
    explicit SqliteIssueTransaction(IssueStatements& statements) : st_(statements) {}
    ~SqliteIssueTransaction() override;
    SqliteIssueTransaction(const SqliteIssueTransaction&) = delete;
    SqliteIssueTransaction& operator=(const SqliteIssueTransaction&) = delete;

    std::unordered_map<std::string, domain::IssueResult> find_results(
        const std::vector<std::string>& request_ids) override;
    std::unordered_map<domain::PolicyId, domain::CouponPolicy> lock_policies(
        const std::vector<domain::PolicyId>& ids) override;
    domain::UserPolicySet find_holders(const std::vector<domain::UserPolicy>& pairs) override;
    void write(std::vector<domain::IssueDecision>& decisions,
               const std::unordered_map<domain::PolicyId, std::int64_t>& issued_delta) override;
    void commit() override;

private:
    void write_one(domain::IssueDecision& decision);

    IssueStatements& st_;
    bool committed_ = false;
};

}  // namespace coupon::store
