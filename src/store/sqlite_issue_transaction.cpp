#include "sqlite_issue_transaction.hpp"

#include <fmt/format.h>
#include <soci/soci.h>

#include "coupon/base/log.hpp"
#include "sql_text.hpp"
#include "sqlite_connect.hpp"
#include "store_errors.hpp"
#include "sqlite_issue_statements.hpp"

namespace coupon::store {

using namespace coupon::domain;

SqliteIssueTransaction::~SqliteIssueTransaction() {
    if (committed_) return;
    try {
        // An I/O or full-disk error may already have made SQLite roll back on its own.
        if (sqlite_in_transaction(st_.sql)) st_.sql << "ROLLBACK";
    } catch (const std::exception& e) {
        log::error("store", "rollback failed: {}", e.what());
    }
}

std::unordered_map<std::string, IssueResult> SqliteIssueTransaction::find_results(
    const std::vector<std::string>& request_ids) {
    return guarded("reading recorded outcomes", [&] {
        std::unordered_map<std::string, IssueResult> out;
        st_.ids_json = json_array(request_ids);
        st_.find_results.execute();
        while (st_.find_results.fetch()) out.emplace(st_.result.request_id, st_.result.to_domain());
        return out;
    });
}

std::unordered_map<PolicyId, CouponPolicy> SqliteIssueTransaction::lock_policies(const std::vector<PolicyId>& ids) {
    // Nothing to lock here: BEGIN IMMEDIATE already holds the database's write lock until commit.
    return guarded("reading policies", [&] {
        std::unordered_map<PolicyId, CouponPolicy> out;
        st_.ids_json = json_array(ids);
        st_.lock_policies.execute();
        while (st_.lock_policies.fetch()) out.emplace(st_.policy.id, st_.policy.to_domain());
        return out;
    });
}

UserPolicySet SqliteIssueTransaction::find_holders(const std::vector<UserPolicy>& pairs) {
    return guarded("reading coupon holders", [&] {
        UserPolicySet out;
        st_.ids_json = json_array(pairs);
        st_.find_holders.execute();
        while (st_.find_holders.fetch()) out.insert(UserPolicy{st_.holder_user, st_.holder_policy});
        return out;
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
    committed_ = true;
}

}  // namespace coupon::store
