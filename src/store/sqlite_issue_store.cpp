// The SQLite issue path: the statements prepared once per session, one batch's transaction over them,
// and the store that begins it.
#include "sqlite_issue_store.hpp"

#include <fmt/format.h>
#include <soci/soci.h>

#include <string>

#include "issued_counts.hpp"
#include "session_pool.hpp"
#include "sql_rows.hpp"
#include "sql_text.hpp"
#include "sqlite_connect.hpp"
#include "sqlite_statement.hpp"
#include "store_errors.hpp"

namespace coupon::store {

using namespace coupon::domain;
using soci::use;

// The issue path's statements, prepared once per session and re-executed for every batch. The reads of
// outcomes and policies go through SOCI (one statement a batch, bound to the members below); the holders
// and every write use SQLite's own API (sqlite_statement.hpp): the writes insert up to 256 rows a statement.
struct SqliteIssueStatements {
    explicit SqliteIssueStatements(soci::session& sql);
    SqliteIssueStatements(const SqliteIssueStatements&) = delete;
    SqliteIssueStatements& operator=(const SqliteIssueStatements&) = delete;

    soci::session& sql;
    sqlite_api::sqlite3* db;

    // Reads: one statement per batch, the ids passed as a JSON array.
    std::string ids_json;
    IssueReads reads{sql};
    SqliteStatement find_policy_holders;  // one execution per policy of the batch

    // Writes: the batch's coupons, then its outcomes. A FAILED (dead-lettered) row gives way only to an
    // operator's replay, which has a statement of its own.
    SqliteRowsInsert insert_coupons;
    SqliteRowsInsert upsert_outcomes;
    SqliteRowsInsert upsert_replayed_outcomes;
    long long delta = 0, policy_id = 0;
    soci::statement add_issued{sql};

    soci::statement begin_immediate{sql};
    soci::statement commit{sql};
};

namespace {

// json_each expands the bound array inside SQLite; each element then probes the table's unique index
// (CROSS JOIN pins that loop order, whatever statistics ANALYZE may gather later).
const std::string kFindResults = fmt::format(
    "SELECT {} FROM json_each(:ids) j CROSS JOIN coupon_issue_request r ON r.request_id = j.value",
    kResultColumns);
const std::string kLockPolicies =
    fmt::format("SELECT {} FROM json_each(:ids) j CROSS JOIN coupon_policy p ON p.id = j.value", kPolicyColumns);
// Per policy: the users of the batch (a JSON array of integers) that already hold one of its coupons. Each
// element probes the (user_id, coupon_policy_id) unique index.
const std::string kFindPolicyHolders =
    "SELECT c.user_id FROM json_each(?1) j CROSS JOIN coupon c ON c.user_id = j.value AND c.coupon_policy_id = ?2";

const char* const kInsertCoupons =
    "INSERT INTO coupon(user_id, coupon_policy_id, request_id, kafka_partition, kafka_offset, issued_at) VALUES";
constexpr int kCouponInsertColumns = 6;
const char* const kInsertOutcomes =
    "INSERT INTO coupon_issue_request(request_id, user_id, coupon_policy_id, outcome, coupon_id, "
    "kafka_partition, kafka_offset, requested_at, decided_at, remaining, error) VALUES";
constexpr int kOutcomeInsertColumns = 11;
// A final outcome never changes; the caller checks that every row changed.
const std::string kOutcomeConflict =
    "ON CONFLICT(request_id) DO UPDATE SET user_id = excluded.user_id, "
    "coupon_policy_id = excluded.coupon_policy_id, outcome = excluded.outcome, coupon_id = excluded.coupon_id, "
    "kafka_partition = excluded.kafka_partition, kafka_offset = excluded.kafka_offset, "
    "decided_at = excluded.decided_at, remaining = excluded.remaining, error = excluded.error "
    "WHERE coupon_issue_request.outcome = 'PENDING'";
const std::string kReplayedOutcomeConflict = kOutcomeConflict + " OR coupon_issue_request.outcome = 'FAILED'";
const std::string kAddIssued =
    "UPDATE coupon_policy SET issued_quantity = issued_quantity + :d1 "
    "WHERE id = :id AND issued_quantity + :d2 <= total_quantity";

// Texts a statement binds without copying, laid end to end in one string: they must live until the
// statement has run.
class BoundTexts {
public:
    void clear() {
        text_.clear();
        ends_.clear();
    }
    void add(std::string_view text) {
        text_ += text;
        ends_.push_back(text_.size());
    }
    std::string_view operator[](std::size_t k) const {
        const std::size_t begin = k == 0 ? 0 : ends_[k - 1];
        return std::string_view(text_).substr(begin, ends_[k] - begin);
    }

private:
    std::string text_;
    std::vector<std::size_t> ends_;
};

// One batch's transaction on the statements; rolls back unless commit() succeeded.
class SqliteIssueTransaction final : public domain::IssueTransaction {
public:
    // No rollback when SQLite has rolled back on its own already (after an I/O or full-disk error).
    // `turn`: this writer's turn (writer_turns.hpp), held until the transaction commits or is rolled back.
    SqliteIssueTransaction(SqliteIssueStatements& statements, WriterTurns::Turn turn)
        : turn_(std::move(turn)), st_(statements), rollback_(statements.sql, sqlite_in_transaction) {}
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
    // Inserts the coupons of the Issued decisions (`issued` indexes decisions) and sets their ids.
    void insert_coupons(std::vector<domain::IssueDecision>& decisions, const std::vector<std::size_t>& issued);
    // Inserts or settles the outcome rows of decisions[rows[i]] through `statement`.
    void upsert_outcomes(SqliteRowsInsert& statement, const std::vector<domain::IssueDecision>& decisions,
                         const std::vector<std::size_t>& rows);
    // The database's text of a time; a batch's decisions share most of theirs, so the last one is kept.
    std::string_view time_text(domain::TimePoint t);

    WriterTurns::Turn turn_;  // first member: handed on only after rollback_ has run
    SqliteIssueStatements& st_;
    RollbackUnlessCommitted rollback_;
    BoundTexts times_;  // the rows' times as text, for the statement running now
    domain::TimePoint last_time_{};
    std::string last_time_text_;
};

}  // namespace

SqliteIssueStatements::SqliteIssueStatements(soci::session& s)
    : sql(s),
      db(sqlite_handle(s)),
      find_policy_holders(db, kFindPolicyHolders),
      insert_coupons(db, kInsertCoupons, kCouponInsertColumns, ""),
      upsert_outcomes(db, kInsertOutcomes, kOutcomeInsertColumns, kOutcomeConflict),
      upsert_replayed_outcomes(db, kInsertOutcomes, kOutcomeInsertColumns, kReplayedOutcomeConflict) {
    reads.find_results.exchange(use(ids_json));
    reads.lock_policies.exchange(use(ids_json));
    reads.prepare(kFindResults, kLockPolicies);

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
        std::unordered_map<PolicyId, std::string> users_of;  // policy -> JSON array of its users
        for (const UserPolicy& pair : pairs) {
            std::string& users = users_of[pair.policy_id];
            users += users.empty() ? '[' : ',';
            fmt::format_to(std::back_inserter(users), "{}", pair.user_id);
        }
        UserPolicySet out;
        SqliteStatement& st = st_.find_policy_holders;
        for (auto& [policy, users] : users_of) {
            users += ']';
            st.bind(1, users);
            st.bind(2, policy);
            while (st.step()) out.insert(UserPolicy{st.column_int64(0), policy});
            st.reset();
        }
        return out;
    });
}

std::string_view SqliteIssueTransaction::time_text(TimePoint t) {
    if (t != last_time_ || last_time_text_.empty()) {
        last_time_ = t;
        last_time_text_ = db_time(t);
    }
    return last_time_text_;
}

void SqliteIssueTransaction::insert_coupons(std::vector<IssueDecision>& decisions,
                                            const std::vector<std::size_t>& issued) {
    times_.clear();
    for (const std::size_t row : issued) {
        const IssueResult& r = decisions[row].result;
        times_.add(time_text(r.issued_at.value_or(r.decided_at)));
    }
    st_.insert_coupons.run(
        issued.size(),
        [&](SqliteStatement& st, int p, std::size_t i) {
            const IssueRequest& r = decisions[issued[i]].request;
            st.bind(p, r.user_id);
            st.bind(p + 1, r.policy_id);
            st.bind(p + 2, r.request_id);
            st.bind(p + 3, std::int64_t{r.partition});
            st.bind(p + 4, r.offset);
            st.bind(p + 5, times_[i]);
        },
        [&](std::size_t first, std::size_t n, std::int64_t changed) {
            if (changed != static_cast<std::int64_t>(n)) {
                throw StoreError(fmt::format("{} of {} coupons inserted", changed, n));
            }
            // One INSERT of n rows under the write lock gives AUTOINCREMENT ids one after another, in the order
            // of its VALUES rows: the last one's id is the session's last insert rowid.
            const long long last = sqlite_last_insert_id(st_.sql);
            for (std::size_t i = 0; i < n; ++i) {
                decisions[issued[first + i]].result.coupon_id = last - static_cast<long long>(n - 1 - i);
            }
        });
}

void SqliteIssueTransaction::upsert_outcomes(SqliteRowsInsert& statement, const std::vector<IssueDecision>& decisions,
                                             const std::vector<std::size_t>& rows) {
    // Each row's two times: requested_at, then decided_at.
    times_.clear();
    for (const std::size_t row : rows) {
        times_.add(db_time(decisions[row].request.requested_at));
        times_.add(time_text(decisions[row].result.decided_at));
    }
    statement.run(
        rows.size(),
        [&](SqliteStatement& st, int p, std::size_t i) {
            const IssueDecision& d = decisions[rows[i]];
            st.bind(p, d.request.request_id);
            st.bind(p + 1, d.request.user_id);
            st.bind(p + 2, d.request.policy_id);
            st.bind(p + 3, to_string(d.result.outcome));
            if (d.result.coupon_id) {
                st.bind(p + 4, *d.result.coupon_id);
            } else {
                st.bind_null(p + 4);
            }
            st.bind(p + 5, std::int64_t{d.request.partition});
            st.bind(p + 6, d.request.offset);
            st.bind(p + 7, times_[2 * i]);
            st.bind(p + 8, times_[2 * i + 1]);
            st.bind(p + 9, d.result.remaining);
            if (d.result.error.empty()) {
                st.bind_null(p + 10);
            } else {
                st.bind(p + 10, d.result.error);
            }
        },
        [&](std::size_t first, std::size_t n, std::int64_t changed) {
            if (changed != static_cast<std::int64_t>(n)) {
                throw_outcomes_refused(n, changed, decisions[rows[first]].request.request_id);
            }
        });
}

void SqliteIssueTransaction::write(std::vector<IssueDecision>& decisions,
                                   const std::unordered_map<PolicyId, std::int64_t>& issued_delta) {
    guarded("writing decisions", [&] {
        std::vector<std::size_t> issued, fresh, replayed;
        for (std::size_t i = 0; i < decisions.size(); ++i) {
            if (decisions[i].result.outcome == Outcome::Issued) issued.push_back(i);
            (decisions[i].request.replay ? replayed : fresh).push_back(i);
        }
        check_coupons_match_issued_counts(decisions, issued_delta);  // what the foreign key checked row by row
        insert_coupons(decisions, issued);
        upsert_outcomes(st_.upsert_outcomes, decisions, fresh);
        upsert_outcomes(st_.upsert_replayed_outcomes, decisions, replayed);
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
    turn_.release();
}

SqliteIssueStore::SqliteIssueStore(std::unique_ptr<soci::session> sql, std::shared_ptr<WriterTurns> turns)
    : sql_(std::move(sql)), turns_(std::move(turns)) {
    statements_ = guarded("preparing the issue statements",
                          [&] { return std::make_unique<SqliteIssueStatements>(*sql_); });
}

// Statements must go before the session they were prepared on.
SqliteIssueStore::~SqliteIssueStore() { statements_.reset(); }

std::unique_ptr<domain::IssueTransaction> SqliteIssueStore::begin() {
    auto turn = turns_->take();
    guarded("BEGIN IMMEDIATE", [&] { statements_->begin_immediate.execute(true); });
    return std::make_unique<SqliteIssueTransaction>(*statements_, std::move(turn));
}

}  // namespace coupon::store
