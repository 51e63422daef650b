#include "postgresql_issue_transaction.hpp"

#include <fmt/format.h>
#include <soci/soci.h>

#include <unordered_set>

#include "coupon/base/log.hpp"
#include "pg_array.hpp"
#include "postgresql_connect.hpp"
#include "postgresql_issue_statements.hpp"
#include "sql_text.hpp"
#include "store_errors.hpp"

namespace coupon::store {

using namespace coupon::domain;

PgIssueTransaction::~PgIssueTransaction() {
    if (committed_) return;
    try {
        // A lost connection has ended the transaction on the server already; the next begin() reconnects.
        if (postgresql_connected(st_.sql)) st_.sql.rollback();
    } catch (const std::exception& e) {
        log::error("store", "rollback failed: {}", e.what());
    }
}

std::unordered_map<std::string, IssueResult> PgIssueTransaction::find_results(
    const std::vector<std::string>& request_ids) {
    return guarded("reading recorded outcomes", [&] {
        std::unordered_map<std::string, IssueResult> out;
        PgArray ids;
        for (const std::string& id : request_ids) ids.add(id);
        st_.ids = ids.take();
        st_.find_results.execute();
        while (st_.find_results.fetch()) out.emplace(st_.result.request_id, st_.result.to_domain());
        return out;
    });
}

std::unordered_map<PolicyId, CouponPolicy> PgIssueTransaction::lock_policies(const std::vector<PolicyId>& ids) {
    return guarded("locking policies", [&] {
        std::unordered_map<PolicyId, CouponPolicy> out;
        PgArray array;
        for (const PolicyId id : ids) array.add(id);
        st_.ids = array.take();
        st_.lock_policies.execute();
        while (st_.lock_policies.fetch()) out.emplace(st_.policy.id, st_.policy.to_domain());
        return out;
    });
}

UserPolicySet PgIssueTransaction::find_holders(const std::vector<UserPolicy>& pairs) {
    return guarded("reading coupon holders", [&] {
        UserPolicySet out;
        PgArray users, policies;
        for (const UserPolicy& p : pairs) {
            users.add(p.user_id);
            policies.add(p.policy_id);
        }
        st_.users = users.take();
        st_.policies = policies.take();
        st_.find_holders.execute();
        while (st_.find_holders.fetch()) out.insert(UserPolicy{st_.holder_user, st_.holder_policy});
        return out;
    });
}

void PgIssueTransaction::insert_coupons(std::vector<IssueDecision>& decisions) {
    PgArray user, policy, request, partition, offset, issued_at;
    std::unordered_map<UserPolicy, IssueDecision*, UserPolicyHash> by_pair;
    for (IssueDecision& d : decisions) {
        if (d.result.outcome != Outcome::Issued) continue;
        user.add(d.request.user_id);
        policy.add(d.request.policy_id);
        request.add(d.request.request_id);
        partition.add(d.request.partition);
        offset.add(d.request.offset);
        issued_at.add(db_time(d.result.issued_at.value_or(d.result.decided_at)));
        by_pair.emplace(UserPolicy{d.request.user_id, d.request.policy_id}, &d);
    }
    if (user.empty()) return;
    const std::size_t expected = user.size();
    auto& c = st_.coupon;
    c.user = user.take();
    c.policy = policy.take();
    c.request = request.take();
    c.partition = partition.take();
    c.offset = offset.take();
    c.issued_at = issued_at.take();
    st_.insert_coupons.execute();
    std::size_t returned = 0;
    while (st_.insert_coupons.fetch()) {
        const auto it = by_pair.find(UserPolicy{st_.new_user, st_.new_policy});
        if (it == by_pair.end()) {
            throw StoreError(fmt::format("coupon {} came back for an unknown user {} / policy {}", st_.new_id,
                                         st_.new_user, st_.new_policy));
        }
        it->second->result.coupon_id = st_.new_id;
        ++returned;
    }
    if (returned != expected) {
        throw StoreError(fmt::format("inserted {} coupons for {} issued decisions", returned, expected));
    }
}

void PgIssueTransaction::upsert_outcomes(const std::vector<IssueDecision>& decisions) {
    PgArray request, user, policy, outcome, coupon, partition, offset, requested_at, decided_at, remaining, error;
    PgArray replayed;
    for (const IssueDecision& d : decisions) {
        request.add(d.request.request_id);
        if (d.request.replay) replayed.add(d.request.request_id);
        user.add(d.request.user_id);
        policy.add(d.request.policy_id);
        outcome.add(to_string(d.result.outcome));
        if (d.result.outcome == Outcome::Issued && d.result.coupon_id) {
            coupon.add(*d.result.coupon_id);
        } else {
            coupon.add_null();
        }
        partition.add(d.request.partition);
        offset.add(d.request.offset);
        requested_at.add(db_time(d.request.requested_at));
        decided_at.add(db_time(d.result.decided_at));
        remaining.add(d.result.remaining);
        if (d.result.error.empty()) {
            error.add_null();
        } else {
            error.add(d.result.error);
        }
    }
    if (request.empty()) return;
    auto& o = st_.outcome;
    o.request = request.take();
    o.user = user.take();
    o.policy = policy.take();
    o.outcome = outcome.take();
    o.coupon = coupon.take();
    o.partition = partition.take();
    o.offset = offset.take();
    o.requested_at = requested_at.take();
    o.decided_at = decided_at.take();
    o.remaining = remaining.take();
    o.error = error.take();
    st_.replayed = replayed.take();
    std::unordered_set<std::string> written;
    st_.upsert_outcomes.execute();
    while (st_.upsert_outcomes.fetch()) written.insert(st_.written_request);
    if (written.size() == decisions.size()) return;
    for (const IssueDecision& d : decisions) {
        if (!written.contains(d.request.request_id)) {
            throw StoreError(fmt::format("request {} already has a final outcome", d.request.request_id));
        }
    }
    throw StoreError(fmt::format("wrote {} outcomes for {} decisions", written.size(), decisions.size()));
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
    // Three statements per batch, whatever its size.
    guarded("writing decisions", [&] {
        insert_coupons(decisions);
        upsert_outcomes(decisions);
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
    committed_ = true;
}

}  // namespace coupon::store
