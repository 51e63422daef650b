#include "sqlite_queries.hpp"

#include <fmt/format.h>
#include <soci/soci.h>

#include "sql_text.hpp"
#include "sqlite_errors.hpp"
#include "sqlite_rows.hpp"

namespace coupon::store {

using namespace coupon::domain;
using soci::into;
using soci::use;

namespace {

TimePoint now_ms() { return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now()); }

std::optional<CouponPolicy> select_policy(soci::session& sql, PolicyId id) {
    long long key = id;
    PolicyRow row;
    soci::statement st(sql);
    st.exchange(use(key));
    row.exchange(st);
    prepare_statement(st, fmt::format("SELECT {} FROM coupon_policy p WHERE p.id = :id", kPolicyColumns));
    if (!st.execute(true)) return std::nullopt;
    return row.to_domain();
}

}  // namespace

CouponPolicy SqliteQueries::create_policy(const NewCouponPolicy& p) {
    return guarded("creating a coupon policy", [&] {
        soci::session sql(pool_);
        soci::indicator start_ind = p.issue_start_at ? soci::i_ok : soci::i_null;
        soci::indicator end_ind = p.issue_end_at ? soci::i_ok : soci::i_null;
        const std::string start = p.issue_start_at ? db_time(*p.issue_start_at) : std::string();
        const std::string end = p.issue_end_at ? db_time(*p.issue_end_at) : std::string();
        const std::string created = db_time(now_ms());
        const long long value = p.discount_value, total = p.total_quantity;
        long long id = 0;
        // One autocommit statement: it takes the write lock itself, waiting up to the busy timeout.
        sql << "INSERT INTO coupon_policy(name, discount_type, discount_value, total_quantity, issued_quantity, "
               "issue_start_at, issue_end_at, created_at) VALUES(:n, :t, :v, :q, 0, :s, :e, :c) RETURNING id",
            use(p.name), use(p.discount_type), use(value), use(total), use(start, start_ind), use(end, end_ind),
            use(created), into(id);
        auto stored = select_policy(sql, id);
        if (!stored) throw StoreError(fmt::format("policy {} vanished right after its insert", id));
        return *stored;
    });
}

std::optional<CouponPolicy> SqliteQueries::find_policy(PolicyId id) {
    return guarded("reading a coupon policy", [&] {
        soci::session sql(pool_);
        return select_policy(sql, id);
    });
}

std::optional<IssueResult> SqliteQueries::find_result(const std::string& request_id) {
    return guarded("reading a request outcome", [&]() -> std::optional<IssueResult> {
        soci::session sql(pool_);
        ResultRow row;
        soci::statement st(sql);
        st.exchange(use(request_id));
        row.exchange(st);
        prepare_statement(st, fmt::format("SELECT {} FROM coupon_issue_request r LEFT JOIN coupon c "
                                          "ON c.id = r.coupon_id WHERE r.request_id = :r",
                                          kResultColumns));
        if (!st.execute(true)) return std::nullopt;
        return row.to_domain();
    });
}

std::vector<Coupon> SqliteQueries::coupons_of(UserId user) {
    return guarded("reading a user's coupons", [&] {
        soci::session sql(pool_);
        long long key = user;
        CouponRow row;
        soci::statement st(sql);
        st.exchange(use(key));
        row.exchange(st);
        prepare_statement(st, fmt::format("SELECT {} FROM coupon c WHERE c.user_id = :u ORDER BY c.id", kCouponColumns));
        std::vector<Coupon> out;
        st.execute();
        while (st.fetch()) out.push_back(row.to_domain());
        return out;
    });
}

std::vector<PolicyId> SqliteQueries::sold_out_policies() {
    return guarded("reading sold-out policies", [&] {
        soci::session sql(pool_);
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

bool SqliteQueries::ping() {
    try {
        soci::session sql(pool_);
        int one = 0;
        sql << "SELECT 1", into(one);
        return one == 1;
    } catch (const std::exception&) {
        return false;
    }
}

bool SqliteQueries::record_failed(const IssueRequest& request, const std::string& error) {
    return guarded("recording a failed request", [&] {
        soci::session sql(pool_);
        const long long user = request.user_id, policy = request.policy_id, offset = request.offset;
        const int partition = request.partition;
        const std::string requested = db_time(request.requested_at), decided = db_time(now_ms());
        // A business outcome already recorded wins: the request was decided before the failure.
        soci::statement st = (sql.prepare << "INSERT INTO coupon_issue_request(request_id, user_id, coupon_policy_id, "
                                             "outcome, kafka_partition, kafka_offset, requested_at, decided_at, error) "
                                             "VALUES(:r, :u, :p, 'FAILED', :part, :off, :req, :dec, :err) "
                                             "ON CONFLICT(request_id) DO UPDATE SET outcome = 'FAILED', "
                                             "decided_at = excluded.decided_at, error = excluded.error "
                                             "WHERE coupon_issue_request.outcome IN ('PENDING', 'FAILED')",
                              use(request.request_id), use(user), use(policy), use(partition), use(offset),
                              use(requested), use(decided), use(error));
        st.execute(true);
        return st.get_affected_rows() == 1;
    });
}

}  // namespace coupon::store
