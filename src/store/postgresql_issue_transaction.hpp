#pragma once
// One batch's transaction on PostgreSQL: reads and writes whole batches through array parameters, and
// rolls back unless commit() succeeded.
#include "coupon/domain/issue_store.hpp"

namespace coupon::store {

struct PgIssueStatements;

class PgIssueTransaction final : public domain::IssueTransaction {
public:
    // The transaction is already begun on the statements' session.
    explicit PgIssueTransaction(PgIssueStatements& statements) : st_(statements) {}
    ~PgIssueTransaction() override;
    PgIssueTransaction(const PgIssueTransaction&) = delete;
    PgIssueTransaction& operator=(const PgIssueTransaction&) = delete;

    std::unordered_map<std::string, domain::IssueResult> find_results(
        const std::vector<std::string>& request_ids) override;
    std::unordered_map<domain::PolicyId, domain::CouponPolicy> lock_policies(
        const std::vector<domain::PolicyId>& ids) override;
    domain::UserPolicySet find_holders(const std::vector<domain::UserPolicy>& pairs) override;
    void write(std::vector<domain::IssueDecision>& decisions,
               const std::unordered_map<domain::PolicyId, std::int64_t>& issued_delta) override;
    void commit() override;

private:
    void insert_coupons(std::vector<domain::IssueDecision>& decisions);
    void upsert_outcomes(const std::vector<domain::IssueDecision>& decisions);
    void add_issued(const std::unordered_map<domain::PolicyId, std::int64_t>& issued_delta);

    PgIssueStatements& st_;
    bool committed_ = false;
};

}  // namespace coupon::store
