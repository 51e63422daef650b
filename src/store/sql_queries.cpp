#include "sql_queries.hpp"

#include <fmt/format.h>
#include <soci/soci.h>

#include "sql_text.hpp"
#include "store_errors.hpp"
#include "sql_rows.hpp"

namespace coupon::store {

using namespace coupon::domain;
using soci::into;
using soci::use;

namespace {

// Read once per call: on PostgreSQL a reusable statement would cost a PREPARE and a DEALLOCATE round trip.
constexpr bool kOneShot = false;

TimePoint now_ms() { return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now()); }

std::optional<CouponPolicy> select_policy(soci::session& sql, PolicyId id) {
    long long key = id;
    PolicyRow row;
    soci::statement st(sql);
    st.exchange(use(key));
    row.exchange(st);
    prepare_statement(st, kOneShot, fmt::format("SELECT {} FROM coupon_policy p WHERE p.id = :id", kPolicyColumns));
    if (!st.execute(true)) return std::nullopt;
    return row.to_domain();
}

}  // namespace

CouponPolicy SqlQueries::create_policy(const NewCouponPolicy& p) {
    return sessions_.with_session("creating a coupon policy", false, [&](soci::session& sql) {
        soci::indicator start_ind = p.issue_start_at ? soci::i_ok : soci::i_null;
        soci::indicator end_ind = p.issue_end_at ? soci::i_ok : soci::i_null;
        const std::string start = p.issue_start_at ? db_time(*p.issue_start_at) : std::string();
        const std::string end = p.issue_end_at ? db_time(*p.issue_end_at) : std::string();
        const std::string created = db_time(now_ms());
        const long long value = p.discount_value, total = p.total_quantity;
        long long id = 0;
        // One autocommit statement: it takes the write lock itself, after this node's writer turn (SQLite),
        // waiting up to the busy timeout. Not retried after a lost connection: the insert may have
        // committed, and a second one would create the policy twice.
        const auto turn = take_turn(write_);
        sql << "INSERT INTO coupon_policy(name, discount_type, discount_value, total_quantity, issued_quantity, "
               "issue_start_at, issue_end_at, created_at) VALUES(:n, :t, :v, :q, 0, :s, :e, :c) RETURNING id",
            use(p.name), use(p.discount_type), use(value), use(total), use(start, start_ind), use(end, end_ind),
            use(created), into(id);
        auto stored = select_policy(sql, id);
        if (!stored) throw StoreError(fmt::format("policy {} vanished right after its insert", id));
        return *stored;
    });
}

std::optional<CouponPolicy> SqlQueries::find_policy(PolicyId id) {
    return sessions_.with_session("reading a coupon policy", true, [&](soci::session& sql) {
        return select_policy(sql, id);
    });
}

std::vector<CouponPolicy> SqlQueries::policies_after(PolicyId after, std::size_t limit) {
    return sessions_.with_session("reading coupon policies", true, [&](soci::session& sql) {
        long long key = after;
        long long most = static_cast<long long>(limit);
        PolicyRow row;
        soci::statement st(sql);
        st.exchange(use(key));
        st.exchange(use(most));
        row.exchange(st);
        prepare_statement(st, kOneShot,
                          fmt::format("SELECT {} FROM coupon_policy p WHERE p.id > :a ORDER BY p.id LIMIT :n",
                                      kPolicyColumns));
        std::vector<CouponPolicy> out;
        st.execute();
        while (st.fetch()) out.push_back(row.to_domain());
        return out;
    });
}

std::optional<IssueResult> SqlQueries::find_result(const std::string& request_id) {
    return sessions_.with_session("reading a request outcome", true, [&](soci::session& sql) -> std::optional<IssueResult> {
        ResultRow row;
        soci::statement st(sql);
        st.exchange(use(request_id));
        row.exchange(st);
        prepare_statement(st, kOneShot, fmt::format("SELECT {} FROM coupon_issue_request r WHERE r.request_id = :r",
                                          kResultColumns));
        if (!st.execute(true)) return std::nullopt;
        return row.to_domain();
    });
}

std::vector<Coupon> SqlQueries::coupons_of(UserId user) {
    return sessions_.with_session("reading a user's coupons", true, [&](soci::session& sql) {
        long long key = user;
        CouponRow row;
        soci::statement st(sql);
        st.exchange(use(key));
        row.exchange(st);
        prepare_statement(st, kOneShot, fmt::format("SELECT {} FROM coupon c WHERE c.user_id = :u ORDER BY c.id", kCouponColumns));
        std::vector<Coupon> out;
        st.execute();
        while (st.fetch()) out.push_back(row.to_domain());
        return out;
    });
}

std::vector<PolicyId> SqlQueries::sold_out_policies() {
    return sessions_.with_session("reading sold-out policies", true, [&](soci::session& sql) {
        long long id = 0;
        soci::statement st = (sql.prepare << "SELECT id FROM coupon_policy WHERE issued_quantity >= total_quantity "
                                             "ORDER BY id",
                              into(id));
        std::vector<PolicyId> out;
        st.execute();
        while (st.fetch()) out.push_back(id);
        return out;
    });
}

bool SqlQueries::ping() {
    try {
        return sessions_.with_session("ping", true, [](soci::session& sql) {
            int one = 0;
            sql << "SELECT 1", into(one);
            return one == 1;
        });
    } catch (const std::exception&) {
        return false;
    }
}

}  // namespace coupon::store
