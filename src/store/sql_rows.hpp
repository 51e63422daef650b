#pragma once
// Bound variables for the rows the store reads (both backends), and their conversion to domain values. Typed into()
// targets rather than soci::row: SQLite types expression columns as strings and INTEGER columns as int.
#include <soci/soci.h>

#include <string>
#include <unordered_map>

#include "coupon/domain/issue_store.hpp"
#include "coupon/domain/types.hpp"

namespace coupon::store {

// Prepares `query` on `st` (a statement built with soci::statement st(session)); call exchange() first.
// `reuse`: executed many times (PostgreSQL: a server-side prepared statement) or once (sent with its
// parameters in one round trip).
void prepare_statement(soci::statement& st, const std::string& query);
void prepare_statement(soci::statement& st, bool reuse, const std::string& query);

// Columns of coupon_policy p, in PolicyRow order.
inline constexpr const char* kPolicyColumns =
    "p.id, p.name, p.discount_type, p.discount_value, p.total_quantity, p.issued_quantity, "
    "p.issue_start_at, p.issue_end_at, p.created_at, p.status, p.revision";

struct PolicyRow {
    long long id = 0, discount_value = 0, total_quantity = 0, issued_quantity = 0, revision = 0;
    std::string name, discount_type, issue_start_at, issue_end_at, created_at, status;
    soci::indicator start_ind = soci::i_null, end_ind = soci::i_null;

    void exchange(soci::statement& st);
    domain::CouponPolicy to_domain() const;  // throws StoreError on an unknown status text
};

// Columns of coupon_issue_request r in ResultRow order, with its coupon's issue time looked up by id. Not a
// LEFT JOIN: for a batch's 5,000 request ids PostgreSQL planned that join as a hash of the whole coupon
// table, read again for every batch (65 ms a batch at 220,000 coupons, even when no id was found; 5 ms now).
inline constexpr const char* kResultColumns =
    "r.request_id, r.user_id, r.coupon_policy_id, r.outcome, r.coupon_id, "
    "(SELECT c.issued_at FROM coupon c WHERE c.id = r.coupon_id), r.decided_at, r.remaining, r.error";

struct ResultRow {
    std::string request_id, outcome, issued_at, decided_at, error;
    long long user_id = 0, policy_id = 0, coupon_id = 0, remaining = -1;
    soci::indicator coupon_ind = soci::i_null, issued_ind = soci::i_null, error_ind = soci::i_null;

    void exchange(soci::statement& st);
    domain::IssueResult to_domain() const;  // throws StoreError on an unknown outcome text
};

// Columns of coupon c, in CouponRow order.
inline constexpr const char* kCouponColumns = "c.id, c.user_id, c.coupon_policy_id, c.request_id, c.issued_at";

struct CouponRow {
    long long id = 0, user_id = 0, policy_id = 0;
    std::string request_id, issued_at;

    void exchange(soci::statement& st);
    domain::Coupon to_domain() const;
};

// The issue path's three reads of a batch, prepared once per session: the same rows and the same
// collecting on both backends; only the SQL and how a batch's keys are bound differ. The backend binds
// its key variables to each statement with use() before prepare(), and sets them before each call.
struct IssueReads {
    explicit IssueReads(soci::session& sql) : find_results(sql), lock_policies(sql), find_holders(sql) {}
    IssueReads(const IssueReads&) = delete;
    IssueReads& operator=(const IssueReads&) = delete;

    // Binds the rows below as the statements' results and prepares the queries; without a holders query
    // the store reads holders its own way (SQLite) and holders() must not be called.
    void prepare(const std::string& results_query, const std::string& policies_query,
                 const std::string& holders_query = {});

    // Each executes its statement and collects what it returns.
    std::unordered_map<std::string, domain::IssueResult> results();
    std::unordered_map<domain::PolicyId, domain::CouponPolicy> policies();
    domain::UserPolicySet holders();

    ResultRow result;
    soci::statement find_results;
    PolicyRow policy;
    soci::statement lock_policies;
    long long holder_user = 0, holder_policy = 0;
    soci::statement find_holders;
};

}  // namespace coupon::store
