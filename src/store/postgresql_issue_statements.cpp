#include "postgresql_issue_statements.hpp"

#include <fmt/format.h>

namespace coupon::store {
namespace {

using soci::into;
using soci::use;

// Arrays are bound as text and cast server-side (CAST, not "::", which SOCI would take for a parameter).
const std::string kFindResults = fmt::format(
    "SELECT {} FROM coupon_issue_request r LEFT JOIN coupon c ON c.id = r.coupon_id "
    "WHERE r.request_id = ANY(CAST(:ids AS text[]))",
    kResultColumns);
// Rows are locked in id order: two nodes locking overlapping policy sets cannot deadlock.
const std::string kLockPolicies = fmt::format(
    "SELECT {} FROM coupon_policy p WHERE p.id = ANY(CAST(:ids AS bigint[])) ORDER BY p.id FOR UPDATE",
    kPolicyColumns);
const std::string kFindHolders =
    "SELECT c.user_id, c.coupon_policy_id FROM unnest(CAST(:u AS bigint[]), CAST(:p AS bigint[])) AS k(u, p) "
    "JOIN coupon c ON c.user_id = k.u AND c.coupon_policy_id = k.p";

// RETURNING user and policy: (user, policy) is unique, which maps each new id back to its decision.
const std::string kInsertCoupons =
    "INSERT INTO coupon(user_id, coupon_policy_id, request_id, kafka_partition, kafka_offset, issued_at) "
    "SELECT * FROM unnest(CAST(:u AS bigint[]), CAST(:p AS bigint[]), CAST(:r AS text[]), "
    "CAST(:part AS integer[]), CAST(:off AS bigint[]), CAST(:at AS text[])) "
    "RETURNING id, user_id, coupon_policy_id";
// A FAILED (dead-lettered) row gives way only to an operator's replay (:replayed); any other copy of the
// request must not turn a FAILED the client was told into a coupon, even when the dead letter committed
// after this transaction read the outcomes (READ COMMITTED). A final outcome never changes. The caller
// compares the returned ids with the decisions to name a request that was refused.
const std::string kUpsertOutcomes =
    "INSERT INTO coupon_issue_request(request_id, user_id, coupon_policy_id, outcome, coupon_id, "
    "kafka_partition, kafka_offset, requested_at, decided_at, remaining, error) "
    "SELECT * FROM unnest(CAST(:r AS text[]), CAST(:u AS bigint[]), CAST(:p AS bigint[]), CAST(:o AS text[]), "
    "CAST(:c AS bigint[]), CAST(:part AS integer[]), CAST(:off AS bigint[]), CAST(:req AS text[]), "
    "CAST(:dec AS text[]), CAST(:rem AS bigint[]), CAST(:err AS text[])) "
    "ON CONFLICT (request_id) DO UPDATE SET user_id = EXCLUDED.user_id, "
    "coupon_policy_id = EXCLUDED.coupon_policy_id, outcome = EXCLUDED.outcome, coupon_id = EXCLUDED.coupon_id, "
    "kafka_partition = EXCLUDED.kafka_partition, kafka_offset = EXCLUDED.kafka_offset, "
    "decided_at = EXCLUDED.decided_at, remaining = EXCLUDED.remaining, error = EXCLUDED.error "
    "WHERE coupon_issue_request.outcome = 'PENDING' OR (coupon_issue_request.outcome = 'FAILED' AND "
    "coupon_issue_request.request_id = ANY(CAST(:replayed AS text[]))) "
    "RETURNING request_id";
// Conditional: a policy whose stock the delta would exceed is not updated, and the caller checks that
// every policy was.
const std::string kAddIssued =
    "UPDATE coupon_policy p SET issued_quantity = p.issued_quantity + d.delta "
    "FROM unnest(CAST(:ids AS bigint[]), CAST(:d AS bigint[])) AS d(id, delta) "
    "WHERE p.id = d.id AND p.issued_quantity + d.delta <= p.total_quantity";

}  // namespace

PgIssueStatements::PgIssueStatements(soci::session& s) : sql(s) {
    find_results.exchange(use(ids));
    result.exchange(find_results);
    prepare_statement(find_results, kFindResults);

    lock_policies.exchange(use(ids));
    policy.exchange(lock_policies);
    prepare_statement(lock_policies, kLockPolicies);

    find_holders.exchange(use(users));
    find_holders.exchange(use(policies));
    find_holders.exchange(into(holder_user));
    find_holders.exchange(into(holder_policy));
    prepare_statement(find_holders, kFindHolders);

    for (std::string* column : {&coupon.user, &coupon.policy, &coupon.request, &coupon.partition, &coupon.offset,
                                &coupon.issued_at}) {
        insert_coupons.exchange(use(*column));
    }
    insert_coupons.exchange(into(new_id));
    insert_coupons.exchange(into(new_user));
    insert_coupons.exchange(into(new_policy));
    prepare_statement(insert_coupons, kInsertCoupons);

    for (std::string* column : {&outcome.request, &outcome.user, &outcome.policy, &outcome.outcome, &outcome.coupon,
                                &outcome.partition, &outcome.offset, &outcome.requested_at, &outcome.decided_at,
                                &outcome.remaining, &outcome.error}) {
        upsert_outcomes.exchange(use(*column));
    }
    upsert_outcomes.exchange(use(replayed));
    upsert_outcomes.exchange(into(written_request));
    prepare_statement(upsert_outcomes, kUpsertOutcomes);

    add_issued.exchange(use(delta_policies));
    add_issued.exchange(use(deltas));
    prepare_statement(add_issued, kAddIssued);
}

}  // namespace coupon::store
