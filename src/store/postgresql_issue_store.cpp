// The PostgreSQL issue path: the statements prepared once per connection, one batch's transaction over
// them, and the store that begins it (and replaces a lost connection).
#include "postgresql_issue_store.hpp"

#include <fmt/format.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>

#include <algorithm>
#include <array>
#include <functional>
#include <string>
#include <unordered_set>

#include "coupon/base/log.hpp"
#include "issued_counts.hpp"
#include "pg_array.hpp"
#include "pg_copy.hpp"
#include "session_pool.hpp"
#include "sql_rows.hpp"
#include "store_errors.hpp"

namespace coupon::store {

using namespace coupon::domain;
using soci::into;
using soci::use;

// The issue path's statements, prepared once per connection (server-side) and re-executed for every
// batch. Each takes whole columns as array literals (see PgArray), and the plain inserts are copies of all
// their rows (PgCopyRows), so a batch costs a fixed number of round trips whatever its size. SOCI binds each
// statement to the members below: a call sets the members and executes.
struct PgIssueStatements {
    explicit PgIssueStatements(soci::session& sql);
    PgIssueStatements(const PgIssueStatements&) = delete;
    PgIssueStatements& operator=(const PgIssueStatements&) = delete;

    soci::session& sql;

    // Reads.
    std::string ids, users, policies;
    IssueReads reads{sql};

    // Ids for the coupons of the Issued decisions, taken from the table's own sequence.
    long long sequence = 0;  // the oid of the sequence, found once: looking it up per row cost 20 ms a batch
    long long id_count = 0, new_id = 0;
    soci::statement take_coupon_ids{sql};

    // The outcome rows of decisions whose request has a row, one array per column (kInsertOutcomes' order).
    static constexpr std::size_t kOutcomeColumns = 11;
    std::array<std::string, kOutcomeColumns> outcome;
    std::string replayed;  // ids of the operator's replays: the only decisions that may replace FAILED
    soci::statement upsert_outcomes{sql};  // requests with a row (PENDING, or FAILED for a replay)

    std::string delta_policies, deltas;
    soci::statement add_issued{sql};
};

namespace {

// Arrays are bound as text and cast server-side (CAST, not "::", which SOCI would take for a parameter).
//
// The two reads probe a unique index once per key, forced by LATERAL .. LIMIT 1 (a subquery with a LIMIT
// is not pulled up into a join): `= ANY(array)` and a plain join left PostgreSQL free to read the whole table
// instead (a sequential scan with a hashed filter, a hash join over all coupons), which it did while its
// statistics were older than a burst of new rows, the usual state during a sale (autovacuum analyzes at most
// once a minute): each read then cost time in proportion to the table, 14 ms per 5,000 keys at 150,000 rows
// and growing (auto_explain, store_bench 2026-11-30), against 3 ms for the probes.
const std::string kFindResults = fmt::format(
    "SELECT {} FROM unnest(CAST(:ids AS text[])) AS k(id) CROSS JOIN LATERAL "
    "(SELECT * FROM coupon_issue_request q WHERE q.request_id = k.id LIMIT 1) r",
    kResultColumns);
// Rows are locked in id order: two nodes locking overlapping policy sets cannot deadlock.
const std::string kLockPolicies = fmt::format(
    "SELECT {} FROM coupon_policy p WHERE p.id = ANY(CAST(:ids AS bigint[])) ORDER BY p.id FOR UPDATE",
    kPolicyColumns);
const std::string kFindHolders =
    "SELECT c.user_id, c.coupon_policy_id FROM unnest(CAST(:u AS bigint[]), CAST(:p AS bigint[])) AS k(u, p) "
    "CROSS JOIN LATERAL (SELECT h.user_id, h.coupon_policy_id FROM coupon h "
    "WHERE h.user_id = k.u AND h.coupon_policy_id = k.p LIMIT 1) c";

// The coupons are copied in (pg_copy.hpp) with ids taken beforehand, in one statement, from the sequence the
// id column's default draws on: one session's nextval() calls ascend, so coupon ids still ascend in the order
// the requests were decided. No foreign key checks a coupon's policy on the way in: its coupons must be what
// add_issued adds to that policy's count, which refuses the batch unless the policy exists.
const std::string kCouponIdSequence =
    "SELECT CAST(CAST(pg_get_serial_sequence('coupon', 'id') AS regclass) AS oid)";
const std::string kTakeCouponIds =
    "SELECT nextval(CAST(CAST(:seq AS oid) AS regclass)) FROM generate_series(1, :n)";
const std::string kCopyCoupons =
    "COPY coupon(id, user_id, coupon_policy_id, request_id, kafka_partition, kafka_offset, issued_at) FROM STDIN";
// Requests the batch's read found no row for (nearly every one) are copied in (pg_copy.hpp). Should a row
// appear meanwhile (a dead letter committed after the read), COPY fails on the unique key: the batch is
// refused and the handler isolates that record, whose next read finds the row.
const std::string kCopyOutcomes =
    "COPY coupon_issue_request(request_id, user_id, coupon_policy_id, outcome, coupon_id, kafka_partition, "
    "kafka_offset, requested_at, decided_at, remaining, error) FROM STDIN";
// A request with a row: a FAILED (dead-lettered) row gives way only to an operator's replay (:replayed); any
// other copy of the request must not turn a FAILED the client was told into a coupon, even when the dead
// letter committed after this transaction read the outcomes (READ COMMITTED). A final outcome never changes.
// The caller compares the changed-row count with the decisions (returning 5,000 request ids cost a round of
// text).
const std::string kInsertOutcomes =
    "INSERT INTO coupon_issue_request(request_id, user_id, coupon_policy_id, outcome, coupon_id, "
    "kafka_partition, kafka_offset, requested_at, decided_at, remaining, error) "
    "SELECT * FROM unnest(CAST(:r AS text[]), CAST(:u AS bigint[]), CAST(:p AS bigint[]), CAST(:o AS text[]), "
    "CAST(:c AS bigint[]), CAST(:part AS integer[]), CAST(:off AS bigint[]), CAST(:req AS text[]), "
    "CAST(:dec AS text[]), CAST(:rem AS bigint[]), CAST(:err AS text[]))";
const std::string kUpsertOutcomes =
    kInsertOutcomes +
    " ON CONFLICT (request_id) DO UPDATE SET user_id = EXCLUDED.user_id, "
    "coupon_policy_id = EXCLUDED.coupon_policy_id, outcome = EXCLUDED.outcome, coupon_id = EXCLUDED.coupon_id, "
    "kafka_partition = EXCLUDED.kafka_partition, kafka_offset = EXCLUDED.kafka_offset, "
    "decided_at = EXCLUDED.decided_at, remaining = EXCLUDED.remaining, error = EXCLUDED.error "
    "WHERE coupon_issue_request.outcome = 'PENDING' OR (coupon_issue_request.outcome = 'FAILED' AND "
    "coupon_issue_request.request_id = ANY(CAST(:replayed AS text[])))";
// Conditional: a policy whose stock the delta would exceed is not updated, and the caller checks that
// every policy was.
const std::string kAddIssued =
    "UPDATE coupon_policy p SET issued_quantity = p.issued_quantity + d.delta "
    "FROM unnest(CAST(:ids AS bigint[]), CAST(:d AS bigint[])) AS d(id, delta) "
    "WHERE p.id = d.id AND p.issued_quantity + d.delta <= p.total_quantity";

// One batch's transaction: reads and writes whole batches through array parameters, and rolls back
// unless commit() succeeded.
class PgIssueTransaction final : public domain::IssueTransaction {
public:
    // The transaction is already begun on the statements' session. No rollback after a lost connection:
    // that has ended the transaction on the server already; the next begin() reconnects.
    explicit PgIssueTransaction(PgIssueStatements& statements)
        : st_(statements), rollback_(statements.sql, postgresql_connected) {}
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
    void insert_coupons(std::vector<domain::IssueDecision>& decisions,
                        const std::unordered_map<domain::PolicyId, std::int64_t>& issued_delta);
    void write_outcomes(const std::vector<domain::IssueDecision>& decisions);
    // The rows of the decisions `take` selects, copied in (none: no statement).
    void copy_outcomes(const std::vector<domain::IssueDecision>& decisions,
                       const std::function<bool(const domain::IssueDecision&)>& take);
    // The upsert over the decisions `take` selects (none: no statement).
    void upsert_outcomes(const std::vector<domain::IssueDecision>& decisions,
                         const std::function<bool(const domain::IssueDecision&)>& take);
    void add_issued(const std::unordered_map<domain::PolicyId, std::int64_t>& issued_delta);

    PgIssueStatements& st_;
    RollbackUnlessCommitted rollback_;
    std::unordered_set<std::string> recorded_;  // request ids find_results found a row for
};

}  // namespace

PgIssueStatements::PgIssueStatements(soci::session& s) : sql(s) {
    reads.find_results.exchange(use(ids));
    reads.lock_policies.exchange(use(ids));
    reads.find_holders.exchange(use(users));
    reads.find_holders.exchange(use(policies));
    reads.prepare(kFindResults, kLockPolicies, kFindHolders);

    sql << kCouponIdSequence, into(sequence);
    take_coupon_ids.exchange(use(sequence));
    take_coupon_ids.exchange(use(id_count));
    take_coupon_ids.exchange(into(new_id));
    prepare_statement(take_coupon_ids, kTakeCouponIds);

    for (std::string& column : outcome) upsert_outcomes.exchange(use(column));
    upsert_outcomes.exchange(use(replayed));
    prepare_statement(upsert_outcomes, kUpsertOutcomes);

    add_issued.exchange(use(delta_policies));
    add_issued.exchange(use(deltas));
    prepare_statement(add_issued, kAddIssued);
}

std::unordered_map<std::string, IssueResult> PgIssueTransaction::find_results(
    const std::vector<std::string>& request_ids) {
    return guarded("reading recorded outcomes", [&] {
        PgArray ids;
        for (const std::string& id : request_ids) ids.add(id);
        st_.ids = ids.take();
        auto found = st_.reads.results();
        recorded_.clear();
        for (const auto& [id, result] : found) recorded_.insert(id);
        return found;
    });
}

std::unordered_map<PolicyId, CouponPolicy> PgIssueTransaction::lock_policies(const std::vector<PolicyId>& ids) {
    return guarded("locking policies", [&] {
        PgArray array;
        for (const PolicyId id : ids) array.add(id);
        st_.ids = array.take();
        return st_.reads.policies();
    });
}

UserPolicySet PgIssueTransaction::find_holders(const std::vector<UserPolicy>& pairs) {
    return guarded("reading coupon holders", [&] {
        PgArray users, policies;
        for (const UserPolicy& p : pairs) {
            users.add(p.user_id);
            policies.add(p.policy_id);
        }
        st_.users = users.take();
        st_.policies = policies.take();
        return st_.reads.holders();
    });
}

void PgIssueTransaction::insert_coupons(std::vector<IssueDecision>& decisions,
                                        const std::unordered_map<PolicyId, std::int64_t>& issued_delta) {
    std::vector<IssueDecision*> issued;
    for (IssueDecision& d : decisions) {
        if (d.result.outcome == Outcome::Issued) issued.push_back(&d);
    }
    if (issued.empty()) return;
    check_coupons_match_issued_counts(decisions, issued_delta);  // what the foreign key checked row by row
    std::vector<std::int64_t> ids;
    ids.reserve(issued.size());
    st_.id_count = static_cast<long long>(issued.size());
    st_.take_coupon_ids.execute();
    while (st_.take_coupon_ids.fetch()) ids.push_back(st_.new_id);
    if (ids.size() != issued.size()) {
        throw StoreError(fmt::format("the coupon id sequence gave {} ids for {} coupons", ids.size(), issued.size()));
    }
    PgCopyRows rows;
    for (std::size_t i = 0; i < issued.size(); ++i) {
        IssueDecision& d = *issued[i];
        rows.add(ids[i]);
        rows.add(d.request.user_id);
        rows.add(d.request.policy_id);
        rows.add(d.request.request_id);
        rows.add(d.request.partition);
        rows.add(d.request.offset);
        rows.add_time(d.result.issued_at.value_or(d.result.decided_at));
        rows.end_row();
        d.result.coupon_id = ids[i];
    }
    const std::size_t written = copy_rows(st_.sql, kCopyCoupons, rows);
    if (written != issued.size()) {
        throw StoreError(fmt::format("inserted {} coupons for {} issued decisions", written, issued.size()));
    }
}

void PgIssueTransaction::write_outcomes(const std::vector<IssueDecision>& decisions) {
    // An operator's replay may replace its FAILED row, which a caller that skipped find_results has not seen.
    const auto has_row = [this](const IssueDecision& d) {
        return d.request.replay || recorded_.count(d.request.request_id) > 0;
    };
    try {
        copy_outcomes(decisions, [&](const IssueDecision& d) { return !has_row(d); });
    } catch (const soci::postgresql_soci_error& e) {
        // A row that appeared after the read, or was never read: the same refusal as the upsert's short count.
        if (e.sqlstate() != "23505") throw;  // unique_violation
        if (decisions.size() == 1) throw_outcomes_refused(1, 0, decisions.front().request.request_id);
        throw StoreError(fmt::format("a request of the batch of {} already has a final outcome", decisions.size()));
    }
    upsert_outcomes(decisions, has_row);
}

namespace {

// A decision's outcome row, field by field in the column order of kCopyOutcomes and kInsertOutcomes.
template <typename Rows>
void add_outcome_row(Rows& rows, const IssueDecision& d) {
    rows.add(d.request.request_id);
    rows.add(d.request.user_id);
    rows.add(d.request.policy_id);
    rows.add(to_string(d.result.outcome));
    if (d.result.outcome == Outcome::Issued && d.result.coupon_id) {
        rows.add(*d.result.coupon_id);
    } else {
        rows.add_null();
    }
    rows.add(d.request.partition);
    rows.add(d.request.offset);
    rows.add_time(d.request.requested_at);
    rows.add_time(d.result.decided_at);
    rows.add(d.result.remaining);
    if (d.result.error.empty()) {
        rows.add_null();
    } else {
        rows.add(d.result.error);
    }
    rows.end_row();
}

}  // namespace

void PgIssueTransaction::copy_outcomes(const std::vector<IssueDecision>& decisions,
                                       const std::function<bool(const IssueDecision&)>& take) {
    PgCopyRows rows;
    for (const IssueDecision& d : decisions) {
        if (take(d)) add_outcome_row(rows, d);
    }
    if (rows.empty()) return;
    const std::size_t written = copy_rows(st_.sql, kCopyOutcomes, rows);
    if (written != rows.rows()) {
        const auto first = std::find_if(decisions.begin(), decisions.end(), take);
        throw_outcomes_refused(rows.rows(), static_cast<long long>(written), first->request.request_id);
    }
}

void PgIssueTransaction::upsert_outcomes(const std::vector<IssueDecision>& decisions,
                                         const std::function<bool(const IssueDecision&)>& take) {
    PgColumns columns(PgIssueStatements::kOutcomeColumns);
    PgArray replayed;
    for (const IssueDecision& d : decisions) {
        if (!take(d)) continue;
        add_outcome_row(columns, d);
        if (d.request.replay) replayed.add(d.request.request_id);
    }
    if (columns.empty()) return;
    const std::size_t rows = columns.rows();
    const auto first = std::find_if(decisions.begin(), decisions.end(), take);
    for (std::size_t k = 0; k < st_.outcome.size(); ++k) st_.outcome[k] = columns.take(k);
    st_.replayed = replayed.take();
    st_.upsert_outcomes.execute(true);
    const long long written = st_.upsert_outcomes.get_affected_rows();
    if (written != static_cast<long long>(rows)) throw_outcomes_refused(rows, written, first->request.request_id);
}

void PgIssueTransaction::add_issued(const std::unordered_map<PolicyId, std::int64_t>& issued_delta) {
    if (issued_delta.empty()) return;
    PgArray ids, deltas;
    for (const auto& [policy, delta] : issued_delta) {
        ids.add(policy);
        deltas.add(delta);
    }
    st_.delta_policies = ids.take();
    st_.deltas = deltas.take();
    st_.add_issued.execute(true);
    // The planner never exceeds the stock; if it ever did, refuse the whole batch here.
    if (st_.add_issued.get_affected_rows() != static_cast<long long>(issued_delta.size())) {
        std::string detail;
        for (const auto& [policy, delta] : issued_delta) detail += fmt::format(" policy {} +{}", policy, delta);
        throw StoreError(fmt::format("adding issued coupons would exceed the stock of a policy:{}", detail));
    }
}

void PgIssueTransaction::write(std::vector<IssueDecision>& decisions,
                               const std::unordered_map<PolicyId, std::int64_t>& issued_delta) {
    // Four or five statements per batch (the ids and the copy of the coupons, the copy of the outcomes, the
    // upsert of rows that exist, the issued counts), whatever its size.
    guarded("writing decisions", [&] {
        insert_coupons(decisions, issued_delta);
        write_outcomes(decisions);
        add_issued(issued_delta);
    });
}

void PgIssueTransaction::commit() {
    guarded("COMMIT", [&] {
        if (postgresql_transaction_failed(st_.sql)) {
            throw StoreError("the transaction was aborted by an earlier error; nothing was committed");
        }
        st_.sql.commit();
    });
    rollback_.committed();
}

PgIssueStore::PgIssueStore(PgSessionSettings settings)
    : settings_(std::move(settings)), sql_(std::make_unique<soci::session>()) {
    guarded("opening a PostgreSQL connection", [&] {
        open_postgresql(*sql_, settings_);
        statements_ = std::make_unique<PgIssueStatements>(*sql_);
    });
}

// Statements must go before the session they were prepared on.
PgIssueStore::~PgIssueStore() { statements_.reset(); }

void PgIssueStore::reconnect() {
    log::warn("store", "PostgreSQL connection lost; reconnecting");
    // Prepared statements live on the server connection and refer to SOCI's old session backend.
    statements_.reset();
    reconnect_postgresql(*sql_, settings_);
    statements_ = std::make_unique<PgIssueStatements>(*sql_);
    log::info("store", "PostgreSQL connection re-established");
}

std::unique_ptr<domain::IssueTransaction> PgIssueStore::begin() {
    guarded("BEGIN", [&] {
        if (!statements_ || !postgresql_connected(*sql_)) reconnect();
        try {
            sql_->begin();
            return;
        } catch (...) {
            if (postgresql_connected(*sql_)) throw;
        }
        // libpq only notices a dropped connection when a statement fails. Nothing of this transaction
        // exists yet, so it can simply start again on a fresh connection.
        reconnect();
        sql_->begin();
    });
    return std::make_unique<PgIssueTransaction>(*statements_);
}

}  // namespace coupon::store
