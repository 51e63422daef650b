#include "sql_policy_lifecycle.hpp"

#include <fmt/format.h>
#include <soci/soci.h>

#include "sql_rows.hpp"
#include "sql_text.hpp"
#include "store_errors.hpp"

namespace coupon::store {

using namespace coupon::domain;
using soci::into;
using soci::use;

namespace {

constexpr bool kOneShot = false;  // changes are rare: no server-side PREPARE to keep

// A time column that may be NULL, bound for writing.
struct OptionalTime {
    explicit OptionalTime(const std::optional<TimePoint>& t)
        : text(t ? db_time(*t) : std::string()), ind(t ? soci::i_ok : soci::i_null) {}
    std::string text;
    soci::indicator ind;
};

std::optional<CouponPolicy> lock_policy(soci::session& sql, PolicyId id, const std::string& row_lock) {
    long long key = id;
    PolicyRow row;
    soci::statement st(sql);
    st.exchange(use(key));
    row.exchange(st);
    prepare_statement(st, kOneShot,
                      fmt::format("SELECT {} FROM coupon_policy p WHERE p.id = :id{}", kPolicyColumns, row_lock));
    if (!st.execute(true)) return std::nullopt;
    return row.to_domain();
}

void write_policy(soci::session& sql, const CouponPolicy& p) {
    const std::string status(to_string(p.status));
    const long long total = p.total_quantity, revision = p.revision, id = p.id;
    OptionalTime start(p.issue_start_at), end(p.issue_end_at);
    // The CHECK (issued_quantity <= total_quantity) stays the last guard: the rule already refused less.
    sql << "UPDATE coupon_policy SET status = :s, total_quantity = :t, issue_start_at = :a, issue_end_at = :e, "
           "revision = :r WHERE id = :id",
        use(status), use(total), use(start.text, start.ind), use(end.text, end.ind), use(revision), use(id);
}

void write_audit(soci::session& sql, const PolicyChangeRecord& r) {
    const long long policy = r.policy_id, revision = r.revision, before_total = r.before.total_quantity,
                    after_total = r.after.total_quantity;
    const std::string action(to_string(r.action)), at = db_time(r.changed_at),
        before_status(to_string(r.before.status)), after_status(to_string(r.after.status));
    OptionalTime before_start(r.before.issue_start_at), after_start(r.after.issue_start_at),
        before_end(r.before.issue_end_at), after_end(r.after.issue_end_at);
    sql << "INSERT INTO coupon_policy_change(coupon_policy_id, revision, action, principal, remote_address, "
           "changed_at, before_status, after_status, before_total, after_total, before_start_at, after_start_at, "
           "before_end_at, after_end_at) VALUES(:p, :r, :a, :who, :addr, :at, :bs, :as, :bt, :at2, :bsa, :asa, "
           ":bea, :aea)",
        use(policy), use(revision), use(action), use(r.actor.principal), use(r.actor.remote_address), use(at),
        use(before_status), use(after_status), use(before_total), use(after_total),
        use(before_start.text, before_start.ind), use(after_start.text, after_start.ind),
        use(before_end.text, before_end.ind), use(after_end.text, after_end.ind);
}

PolicyState read_state(const std::string& status, long long total, const std::string& start, soci::indicator start_ind,
                       const std::string& end, soci::indicator end_ind) {
    const auto parsed = parse_policy_status(status);
    if (!parsed) throw StoreError(fmt::format("audit row has unknown status '{}'", status));
    return PolicyState{*parsed, total, parse_db_time(start, start_ind == soci::i_ok),
                       parse_db_time(end, end_ind == soci::i_ok)};
}

}  // namespace

ChangeResult SqlPolicyLifecycle::change(PolicyId id, const PolicyChange& change, const Actor& actor, TimePoint now) {
    // Not retried after a lost connection: the change may have committed, and a second one would be
    // refused (pause twice) or recorded twice.
    return sessions_.with_session("changing a coupon policy", false, [&](soci::session& sql) {
        return in_write_transaction(sql, write_, [&](soci::session& s) {
            ChangeResult result;
            auto policy = lock_policy(s, id, row_lock_);
            if (!policy) return result;
            PolicyChangeRecord record;
            record.policy_id = id;
            record.action = change.action;
            record.actor = actor;
            record.changed_at = now;
            record.before = state_of(*policy);
            result.policy = *policy;
            if (auto refused = apply_change(result.policy, change, now)) {
                result.status = ChangeResult::Status::Refused;
                result.refusal = refused;
                return result;  // nothing written: the commit ends a transaction that only read
            }
            record.revision = result.policy.revision;
            record.after = state_of(result.policy);
            write_policy(s, result.policy);
            write_audit(s, record);
            result.status = ChangeResult::Status::Applied;
            return result;
        });
    });
}

std::vector<PolicyChangeRecord> SqlPolicyLifecycle::changes_of(PolicyId id, std::int64_t after, std::size_t limit) {
    return sessions_.with_session("reading policy changes", true, [&](soci::session& sql) {
        long long key = id, from = after, most = static_cast<long long>(limit);
        long long row_id = 0, revision = 0, before_total = 0, after_total = 0;
        std::string action, principal, address, at, before_status, after_status, bsa, asa, bea, aea;
        soci::indicator bsa_ind = soci::i_null, asa_ind = soci::i_null, bea_ind = soci::i_null,
                        aea_ind = soci::i_null;
        soci::statement st =
            (sql.prepare << "SELECT id, revision, action, principal, remote_address, changed_at, before_status, "
                            "after_status, before_total, after_total, before_start_at, after_start_at, before_end_at, "
                            "after_end_at FROM coupon_policy_change WHERE coupon_policy_id = :p AND id > :a "
                            "ORDER BY id LIMIT :n",
             use(key), use(from), use(most), into(row_id), into(revision), into(action), into(principal),
             into(address), into(at), into(before_status), into(after_status), into(before_total),
             into(after_total), into(bsa, bsa_ind), into(asa, asa_ind), into(bea, bea_ind), into(aea, aea_ind));
        std::vector<PolicyChangeRecord> out;
        st.execute();
        while (st.fetch()) {
            PolicyChangeRecord r;
            r.id = row_id;
            r.policy_id = id;
            r.revision = revision;
            const auto parsed = parse_policy_action(action);
            if (!parsed) throw StoreError(fmt::format("policy change {} has unknown action '{}'", row_id, action));
            r.action = *parsed;
            r.actor = Actor{principal, address};
            r.changed_at = parse_db_time(at);
            r.before = read_state(before_status, before_total, bsa, bsa_ind, bea, bea_ind);
            r.after = read_state(after_status, after_total, asa, asa_ind, aea, aea_ind);
            out.push_back(std::move(r));
        }
        return out;
    });
}

}  // namespace coupon::store
