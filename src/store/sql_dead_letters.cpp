#include "sql_dead_letters.hpp"

#include <fmt/format.h>
#include <soci/soci.h>

#include "dead_letter_row.hpp"
#include "sql_rows.hpp"
#include "sql_text.hpp"

namespace coupon::store {

using namespace coupon::domain;
using soci::into;
using soci::use;

namespace {

// Dead letters are rare and read by an operator: one-shot statements, no server-side PREPARE to keep.
constexpr bool kOneShot = false;

const std::string kInsert = fmt::format(
    "INSERT INTO dead_letter({}) VALUES({}) ON CONFLICT(topic, kafka_partition, kafka_offset) DO NOTHING",
    kDeadLetterInsertColumns, kDeadLetterInsertValues);

// Inserts the row unless this DLT record is stored already; either way returns the row's id and
// whether this call inserted it.
std::pair<long long, bool> insert_once(soci::session& sql, DeadLetterRow& row) {
    soci::statement insert(sql);
    row.exchange_use(insert);
    prepare_statement(insert, kOneShot, kInsert);
    insert.execute(true);
    const bool inserted = insert.get_affected_rows() == 1;
    // Not RETURNING: it yields nothing on conflict, and SQLite's open RETURNING statement blocks COMMIT.
    long long id = 0;
    sql << "SELECT id FROM dead_letter WHERE topic = :t AND kafka_partition = :part AND kafka_offset = :off",
        use(row.topic), use(row.partition), use(row.offset), into(id);
    return {id, inserted};
}

// Records outcome FAILED (decided at `decided`, with `error`) for the request unless a final outcome is
// recorded already; a FAILED row may be overwritten by FAILED. Returns whether the row was written.
bool write_failed_outcome(soci::session& sql, const IssueRequest& request, const std::string& error,
                          TimePoint decided) {
    const long long user = request.user_id, policy = request.policy_id, offset = request.offset;
    const int partition = request.partition;
    const std::string requested = db_time(request.requested_at), decided_text = db_time(decided);
    // A business outcome already recorded wins: the request was decided before the failure.
    soci::statement st = (sql.prepare << "INSERT INTO coupon_issue_request(request_id, user_id, coupon_policy_id, "
                                         "outcome, kafka_partition, kafka_offset, requested_at, decided_at, error) "
                                         "VALUES(:r, :u, :p, 'FAILED', :part, :off, :req, :dec, :err) "
                                         "ON CONFLICT(request_id) DO UPDATE SET outcome = 'FAILED', "
                                         "decided_at = excluded.decided_at, error = excluded.error "
                                         "WHERE coupon_issue_request.outcome IN ('PENDING', 'FAILED')",
                          use(request.request_id), use(user), use(policy), use(partition), use(offset),
                          use(requested), use(decided_text), use(error));
    st.execute(true);
    return st.get_affected_rows() == 1;
}

IssueResult failed_result(const IssueRequest& request, TimePoint decided, const std::string& error) {
    IssueResult failed;
    failed.request_id = request.request_id;
    failed.user_id = request.user_id;
    failed.policy_id = request.policy_id;
    failed.outcome = Outcome::Failed;
    failed.decided_at = decided;
    failed.error = error;
    return failed;
}

// The request's recorded FAILED outcome, if that is what it still is.
std::optional<IssueResult> still_failed(soci::session& sql, const IssueRequest& request) {
    std::string outcome, decided, error;
    soci::indicator error_ind = soci::i_ok;
    sql << "SELECT outcome, decided_at, error FROM coupon_issue_request WHERE request_id = :id",
        use(request.request_id), into(outcome), into(decided), into(error, error_ind);
    if (!sql.got_data() || outcome != to_string(Outcome::Failed)) return std::nullopt;
    return failed_result(request, parse_db_time(decided), error_ind == soci::i_ok ? error : std::string());
}

// " WHERE ..." for the time filter, binding its values to `st` in order.
std::string time_filter(soci::statement& st, const std::string& from, const std::string& to,
                        const DeadLetterQuery& query) {
    std::string where;
    if (query.from) {
        where += " WHERE d.created_at >= :from";
        st.exchange(use(from));
    }
    if (query.to) {
        where += query.from ? " AND" : " WHERE";
        where += " d.created_at < :to";
        st.exchange(use(to));
    }
    return where;
}

}  // namespace

SqlDeadLetters::SqlDeadLetters(soci::connection_pool& shared, SessionKeeper keeper, WriteStyle write)
    : sessions_(shared, std::move(keeper)), write_(std::move(write)) {}

SqlDeadLetters::SqlDeadLetters(std::unique_ptr<soci::connection_pool> own, SessionKeeper keeper, WriteStyle write)
    : own_(std::move(own)), sessions_(*own_, std::move(keeper)), write_(std::move(write)) {}

std::optional<IssueResult> SqlDeadLetters::record(DeadLetter& letter, TimePoint now) {
    if (letter.created_at == TimePoint{}) letter.created_at = now;
    DeadLetterRow row = DeadLetterRow::from_domain(letter);
    // Not re-run on a lost connection: the commit may have happened, and the caller's retry then finds
    // the stored row (and records nothing twice). A dead letter delivered again (the consumer died after
    // the commit, before publishing) returns its request's FAILED result again, so the notification that
    // wakes the waiting HTTP request is not lost; publishing it twice is harmless.
    return sessions_.with_session("recording a dead letter", false, [&](soci::session& sql) {
        return in_write_transaction(sql, write_, [&](soci::session& s) -> std::optional<IssueResult> {
            const auto [id, inserted] = insert_once(s, row);
            letter.id = id;
            if (!letter.request) return std::nullopt;
            if (!inserted) return still_failed(s, *letter.request);
            if (!write_failed_outcome(s, *letter.request, letter.error, now)) return std::nullopt;
            return failed_result(*letter.request, now, letter.error);
        });
    });
}

DeadLetterPage SqlDeadLetters::list(const DeadLetterQuery& query) {
    const std::string from = query.from ? db_time(*query.from) : std::string();
    const std::string to = query.to ? db_time(*query.to) : std::string();
    long long offset = query.offset < 0 ? 0 : query.offset, limit = query.limit < 0 ? 0 : query.limit;
    return sessions_.with_session("listing dead letters", true, [&](soci::session& sql) {
        DeadLetterPage page;
        long long total = 0;
        soci::statement count(sql);
        const std::string where = time_filter(count, from, to, query);
        count.exchange(into(total));
        prepare_statement(count, kOneShot, "SELECT COUNT(*) FROM dead_letter d" + where);
        count.execute(true);
        page.total = total;

        DeadLetterRow row;
        soci::statement items(sql);
        time_filter(items, from, to, query);
        items.exchange(use(limit));
        items.exchange(use(offset));
        row.exchange_into(items);
        prepare_statement(items, kOneShot,
                          fmt::format("SELECT {} FROM dead_letter d{} ORDER BY d.id LIMIT :lim OFFSET :off",
                                      kDeadLetterColumns, where));
        items.execute();
        while (items.fetch()) page.items.push_back(row.to_domain());
        return page;
    });
}

std::optional<DeadLetter> SqlDeadLetters::find(std::int64_t id) {
    long long key = id;
    return sessions_.with_session("reading a dead letter", true, [&](soci::session& sql) -> std::optional<DeadLetter> {
        DeadLetterRow row;
        soci::statement st(sql);
        st.exchange(use(key));
        row.exchange_into(st);
        prepare_statement(st, kOneShot, fmt::format("SELECT {} FROM dead_letter d WHERE d.id = :id", kDeadLetterColumns));
        if (!st.execute(true)) return std::nullopt;
        return row.to_domain();
    });
}

void SqlDeadLetters::mark_replayed(std::int64_t id, TimePoint at) {
    long long key = id;
    const std::string when = db_time(at);
    // Setting the same time again is harmless, so a lost connection may re-run it.
    sessions_.with_session("marking a dead letter replayed", true, [&](soci::session& sql) {
        const auto turn = take_turn(write_);
        sql << "UPDATE dead_letter SET replayed_at = :at WHERE id = :id", use(when), use(key);
        return true;
    });
}

}  // namespace coupon::store
