#include "sql_rows.hpp"

#include <fmt/format.h>

#include "coupon/domain/issue_store.hpp"
#include "sql_text.hpp"

namespace coupon::store {

void prepare_statement(soci::statement& st, const std::string& query) { prepare_statement(st, true, query); }

void prepare_statement(soci::statement& st, bool reuse, const std::string& query) {
    st.alloc();
    st.prepare(query, reuse ? soci::details::st_repeatable_query : soci::details::st_one_time_query);
    st.define_and_bind();
}

void PolicyRow::exchange(soci::statement& st) {
    st.exchange(soci::into(id));
    st.exchange(soci::into(name));
    st.exchange(soci::into(discount_type));
    st.exchange(soci::into(discount_value));
    st.exchange(soci::into(total_quantity));
    st.exchange(soci::into(issued_quantity));
    st.exchange(soci::into(issue_start_at, start_ind));
    st.exchange(soci::into(issue_end_at, end_ind));
    st.exchange(soci::into(created_at));
    st.exchange(soci::into(status));
    st.exchange(soci::into(revision));
}

domain::CouponPolicy PolicyRow::to_domain() const {
    domain::CouponPolicy p;
    p.id = id;
    p.name = name;
    p.discount_type = discount_type;
    p.discount_value = discount_value;
    p.total_quantity = total_quantity;
    p.issued_quantity = issued_quantity;
    p.issue_start_at = parse_db_time(issue_start_at, start_ind == soci::i_ok);
    p.issue_end_at = parse_db_time(issue_end_at, end_ind == soci::i_ok);
    p.created_at = parse_db_time(created_at);
    const auto parsed = domain::parse_policy_status(status);
    if (!parsed) throw domain::StoreError(fmt::format("policy {} has unknown status '{}'", id, status));
    p.status = *parsed;
    p.revision = revision;
    return p;
}

void ResultRow::exchange(soci::statement& st) {
    st.exchange(soci::into(request_id));
    st.exchange(soci::into(user_id));
    st.exchange(soci::into(policy_id));
    st.exchange(soci::into(outcome));
    st.exchange(soci::into(coupon_id, coupon_ind));
    st.exchange(soci::into(issued_at, issued_ind));
    st.exchange(soci::into(decided_at));
    st.exchange(soci::into(remaining));
    st.exchange(soci::into(error, error_ind));
}

domain::IssueResult ResultRow::to_domain() const {
    domain::IssueResult r;
    r.request_id = request_id;
    r.user_id = user_id;
    r.policy_id = policy_id;
    const auto parsed = domain::parse_outcome(outcome);
    if (!parsed) throw domain::StoreError(fmt::format("request {} has unknown outcome '{}'", request_id, outcome));
    r.outcome = *parsed;
    if (coupon_ind == soci::i_ok) r.coupon_id = coupon_id;
    r.issued_at = parse_db_time(issued_at, issued_ind == soci::i_ok);
    r.decided_at = parse_db_time(decided_at);
    r.remaining = remaining;
    if (error_ind == soci::i_ok) r.error = error;
    return r;
}

void CouponRow::exchange(soci::statement& st) {
    st.exchange(soci::into(id));
    st.exchange(soci::into(user_id));
    st.exchange(soci::into(policy_id));
    st.exchange(soci::into(request_id));
    st.exchange(soci::into(issued_at));
}

domain::Coupon CouponRow::to_domain() const {
    return domain::Coupon{id, user_id, policy_id, request_id, parse_db_time(issued_at)};
}

void IssueReads::prepare(const std::string& results_query, const std::string& policies_query,
                         const std::string& holders_query) {
    result.exchange(find_results);
    prepare_statement(find_results, results_query);
    policy.exchange(lock_policies);
    prepare_statement(lock_policies, policies_query);
    if (holders_query.empty()) return;
    find_holders.exchange(soci::into(holder_user));
    find_holders.exchange(soci::into(holder_policy));
    prepare_statement(find_holders, holders_query);
}

std::unordered_map<std::string, domain::IssueResult> IssueReads::results() {
    std::unordered_map<std::string, domain::IssueResult> out;
    find_results.execute();
    while (find_results.fetch()) out.emplace(result.request_id, result.to_domain());
    return out;
}

std::unordered_map<domain::PolicyId, domain::CouponPolicy> IssueReads::policies() {
    std::unordered_map<domain::PolicyId, domain::CouponPolicy> out;
    lock_policies.execute();
    while (lock_policies.fetch()) out.emplace(policy.id, policy.to_domain());
    return out;
}

domain::UserPolicySet IssueReads::holders() {
    domain::UserPolicySet out;
    find_holders.execute();
    while (find_holders.fetch()) out.insert(domain::UserPolicy{holder_user, holder_policy});
    return out;
}

}  // namespace coupon::store
