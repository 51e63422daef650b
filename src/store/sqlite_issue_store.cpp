// The SQLite issue path: the statements prepared once per session, one batch's transaction over them,
// and the store that begins it.
#include "sqlite_issue_store.hpp"

#include <fmt/format.h>
#include <soci/soci.h>

#include <string>

#include "session_pool.hpp"
#include "sql_rows.hpp"
#include "sql_text.hpp"
#include "sqlite_connect.hpp"
#include "store_errors.hpp"

namespace coupon::store {

using namespace coupon::domain;
using soci::use;

// The issue path's statements, prepared once per session and re-executed for every batch: SOCI binds
// each statement to the member variables below, so a call sets the members and executes.
struct SqliteIssueStatements {
    explicit SqliteIssueStatements(soci::session& sql);
    SqliteIssueStatements(const SqliteIssueStatements&) = delete;
    SqliteIssueStatements& operator=(const SqliteIssueStatements&) = delete;

    soci::session& sql;

    // Reads: one statement per batch, the ids passed as a JSON array.
    std::string ids_json;
    IssueReads reads{sql};

    // Writes: one execution per decision, inside the batch's transaction.
    long long user_id = 0, policy_id = 0, coupon_id = 0, offset = 0, remaining = -1;
    int partition = -1;
    std::string request_id, outcome, requested_at, decided_at, issued_at, error;
    soci::indicator coupon_ind = soci::i_null, error_ind = soci::i_null;
    int replay = 0;  // 1: an operator's replay, which may replace a stored FAILED
    soci::statement insert_coupon{sql};
    soci::statement upsert_outcome{sql};
    long long delta = 0;
    soci::statement add_issued{sql};

    soci::statement begin_immediate{sql};
    soci::statement commit{sql};
};

namespace {

// json_each expands the bound array inside SQLite; each element then probes the table's unique index
// (CROSS JOIN pins that loop order, whatever statistics ANALYZE may gather later).
const std::string kFindResults = fmt::format(
    "SELECT {} FROM json_each(:ids) j CROSS JOIN coupon_issue_request r ON r.request_id = j.value "
    "LEFT JOIN coupon c ON c.id = r.coupon_id",
    kResultColumns);
const std::string kLockPolicies =
    fmt::format("SELECT {} FROM json_each(:ids) j CROSS JOIN coupon_policy p ON p.id = j.value", kPolicyColumns);
const std::string kFindHolders =
    "SELECT c.user_id, c.coupon_policy_id FROM json_each(:pairs) j CROSS JOIN coupon c "
    "ON c.user_id = json_extract(j.value, '$[0]') AND c.coupon_policy_id = json_extract(j.value, '$[1]')";

const std::string kInsertCoupon =
    "INSERT INTO coupon(user_id, coupon_policy_id, request_id, kafka_partition, kafka_offset, issued_at) "
    "VALUES(:u, :p, :r, :part, :off, :at)";
// A FAILED (dead-lettered) row gives way only to an operator's replay (:rep = 1); any other copy of the
// request must not turn a FAILED the client was told into a coupon. A final outcome never changes. The
// caller checks that one row changed.
const std::string kUpsertOutcome =
    "INSERT INTO coupon_issue_request(request_id, user_id, coupon_policy_id, outcome, coupon_id, "
    "kafka_partition, kafka_offset, requested_at, decided_at, remaining, error) "
    "VALUES(:r, :u, :p, :o, :c, :part, :off, :req, :dec, :rem, :err) "
    "ON CONFLICT(request_id) DO UPDATE SET user_id = excluded.user_id, "
    "coupon_policy_id = excluded.coupon_policy_id, outcome = excluded.outcome, coupon_id = excluded.coupon_id, "
    "kafka_partition = excluded.kafka_partition, kafka_offset = excluded.kafka_offset, "
    "decided_at = excluded.decided_at, remaining = excluded.remaining, error = excluded.error "
    "WHERE coupon_issue_request.outcome = 'PENDING' OR (coupon_issue_request.outcome = 'FAILED' AND :rep = 1)";
const std::string kAddIssued =
    "UPDATE coupon_policy SET issued_quantity = issued_quantity + :d1 "
    "WHERE id = :id AND issued_quantity + :d2 <= total_quantity";

// One batch's transaction on the statements; rolls back unless commit() succeeded.
class SqliteIssueTransaction final : public domain::IssueTransaction {
public:
    // No rollback when SQLite has rolled back on its own already (after an I/O or full-disk error).
    explicit SqliteIssueTransaction(SqliteIssueStatements& statements)
        : st_(statements), rollback_(statements.sql, sqlite_in_transaction) {}
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

    SqliteIssueStatements& st_;
    RollbackUnlessCommitted rollback_;
};

}  // namespace

SqliteIssueStatements::SqliteIssueStatements(soci::session& s) : sql(s) {
    reads.find_results.exchange(use(ids_json));
    reads.lock_policies.exchange(use(ids_json));
    reads.find_holders.exchange(use(ids_json));
    reads.prepare(kFindResults, kLockPolicies, kFindHolders);

    insert_coupon.exchange(use(user_id));
    insert_coupon.exchange(use(policy_id));
    insert_coupon.exchange(use(request_id));
    insert_coupon.exchange(use(partition));
    insert_coupon.exchange(use(offset));
    insert_coupon.exchange(use(issued_at));
    prepare_statement(insert_coupon, kInsertCoupon);

    upsert_outcome.exchange(use(request_id));
    upsert_outcome.exchange(use(user_id));
    upsert_outcome.exchange(use(policy_id));
    upsert_outcome.exchange(use(outcome));
    upsert_outcome.exchange(use(coupon_id, coupon_ind));
    upsert_outcome.exchange(use(partition));
    upsert_outcome.exchange(use(offset));
    upsert_outcome.exchange(use(requested_at));
    upsert_outcome.exchange(use(decided_at));
    upsert_outcome.exchange(use(remaining));
    upsert_outcome.exchange(use(error, error_ind));
    upsert_outcome.exchange(use(replay));
    prepare_statement(upsert_outcome, kUpsertOutcome);

    add_issued.exchange(use(delta));
    add_issued.exchange(use(policy_id));
    add_issued.exchange(use(delta));
    prepare_statement(add_issued, kAddIssued);

    prepare_statement(begin_immediate, "BEGIN IMMEDIATE");
    prepare_statement(commit, "COMMIT");
}

std::unordered_map<std::string, IssueResult> SqliteIssueTransaction::find_results(
    const std::vector<std::string>& request_ids) {
    return guarded("reading recorded outcomes", [&] {
        st_.ids_json = json_array(request_ids);
        return st_.reads.results();
    });
}

std::unordered_map<PolicyId, CouponPolicy> SqliteIssueTransaction::lock_policies(const std::vector<PolicyId>& ids) {
    // Nothing to lock here: BEGIN IMMEDIATE already holds the database's write lock until commit.
    return guarded("reading policies", [&] {
        st_.ids_json = json_array(ids);
        return st_.reads.policies();
    });
}

UserPolicySet SqliteIssueTransaction::find_holders(const std::vector<UserPolicy>& pairs) {
    return guarded("reading coupon holders", [&] {
        st_.ids_json = json_array(pairs);
        return st_.reads.holders();
    });
}

void SqliteIssueTransaction::write_one(IssueDecision& d) {
    st_.request_id = d.request.request_id;
    st_.user_id = d.request.user_id;
    st_.policy_id = d.request.policy_id;
    st_.partition = d.request.partition;
    st_.offset = d.request.offset;
    st_.coupon_ind = soci::i_null;
    if (d.result.outcome == Outcome::Issued) {
        st_.issued_at = db_time(d.result.issued_at.value_or(d.result.decided_at));
        st_.insert_coupon.execute(true);
        st_.coupon_id = sqlite_last_insert_id(st_.sql);
        d.result.coupon_id = st_.coupon_id;
        st_.coupon_ind = soci::i_ok;
    }
    st_.outcome = std::string(to_string(d.result.outcome));
    st_.requested_at = db_time(d.request.requested_at);
    st_.decided_at = db_time(d.result.decided_at);
    st_.remaining = d.result.remaining;
    st_.error = d.result.error;
    st_.error_ind = d.result.error.empty() ? soci::i_null : soci::i_ok;
    st_.replay = d.request.replay ? 1 : 0;
    st_.upsert_outcome.execute(true);
    if (st_.upsert_outcome.get_affected_rows() != 1) {
        throw StoreError(fmt::format("request {} already has a final outcome", d.request.request_id));
    }
}

void SqliteIssueTransaction::write(std::vector<IssueDecision>& decisions,
                                   const std::unordered_map<PolicyId, std::int64_t>& issued_delta) {
    guarded("writing decisions", [&] {
        for (IssueDecision& d : decisions) write_one(d);
        for (const auto& [policy, delta] : issued_delta) {
            st_.policy_id = policy;
            st_.delta = delta;
            st_.add_issued.execute(true);
            // The planner never exceeds the stock; if it ever did, refuse the whole batch here.
            if (st_.add_issued.get_affected_rows() != 1) {
                throw StoreError(fmt::format("policy {}: adding {} issued coupons would exceed its stock", policy,
                                             delta));
            }
        }
    });
}

void SqliteIssueTransaction::commit() {
    guarded("COMMIT", [&] { st_.commit.execute(true); });
    rollback_.committed();
}

SqliteIssueStore::SqliteIssueStore(std::unique_ptr<soci::session> sql) : sql_(std::move(sql)) {
    statements_ = guarded("preparing the issue statements",
                          [&] { return std::make_unique<SqliteIssueStatements>(*sql_); });
}

// Statements must go before the session they were prepared on.
SqliteIssueStore::~SqliteIssueStore() { statements_.reset(); }

std::unique_ptr<domain::IssueTransaction> SqliteIssueStore::begin() {
    guarded("BEGIN IMMEDIATE", [&] { statements_->begin_immediate.execute(true); });
    return std::make_unique<SqliteIssueTransaction>(*statements_);
}

}  // namespace coupon::store
