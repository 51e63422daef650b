#include "sqlite_issue_statements.hpp"

#include <fmt/format.h>

namespace coupon::store {
namespace {

using soci::into;
using soci::use;

// json_each expands the bound array inside SQLite; each element then probes the table's unique index
// (CROSS JOIN pins that loop order, whatever statistics ANALYZE may gather later).
const std::string kFindResults = fmt::format(
    "SELECT {} FROM json_each(:ids) j CROSS JOIN coupon_issue_request r ON r.request_id = j.value "
    "LEFT JOIN coupon c ON c.id = r.coupon_id",
    kResultColumns);
const std::string kLockPolicies =
    fmt::format("SELECT {} FROM json_each(:ids) j CROSS JOIN coupon_policy p ON p.id = j.value", kPolicyColumns);
const std::string kFindHolders =
    "SELECT c.user_id, c.coupon_policy_id FROM json_each(:pairs) j CROSS JOIN coupon c "
    "ON c.user_id = json_extract(j.value, '$[0]') AND c.coupon_policy_id = json_extract(j.value, '$[1]')";

const std::string kInsertCoupon =
    "INSERT INTO coupon(user_id, coupon_policy_id, request_id, kafka_partition, kafka_offset, issued_at) "
    "VALUES(:u, :p, :r, :part, :off, :at)";
// A FAILED (dead-lettered) row gives way only to an operator's replay (:rep = 1); any other copy of the
// request must not turn a FAILED the client was told into a coupon. A final outcome never changes. The
// caller checks that one row changed.
const std::string kUpsertOutcome =
    "INSERT INTO coupon_issue_request(request_id, user_id, coupon_policy_id, outcome, coupon_id, "
    "kafka_partition, kafka_offset, requested_at, decided_at, remaining, error) "
    "VALUES(:r, :u, :p, :o, :c, :part, :off, :req, :dec, :rem, :err) "
    "ON CONFLICT(request_id) DO UPDATE SET user_id = excluded.user_id, "
    "coupon_policy_id = excluded.coupon_policy_id, outcome = excluded.outcome, coupon_id = excluded.coupon_id, "
    "kafka_partition = excluded.kafka_partition, kafka_offset = excluded.kafka_offset, "
    "decided_at = excluded.decided_at, remaining = excluded.remaining, error = excluded.error "
    "WHERE coupon_issue_request.outcome = 'PENDING' OR (coupon_issue_request.outcome = 'FAILED' AND :rep = 1)";
const std::string kAddIssued =
    "UPDATE coupon_policy SET issued_quantity = issued_quantity + :d1 "
    "WHERE id = :id AND issued_quantity + :d2 <= total_quantity";

}  // namespace

IssueStatements::IssueStatements(soci::session& s) : sql(s) {
    find_results.exchange(use(ids_json));
    result.exchange(find_results);
    prepare_statement(find_results, kFindResults);

    lock_policies.exchange(use(ids_json));
    policy.exchange(lock_policies);
    prepare_statement(lock_policies, kLockPolicies);

    find_holders.exchange(use(ids_json));
    find_holders.exchange(into(holder_user));
    find_holders.exchange(into(holder_policy));
    prepare_statement(find_holders, kFindHolders);

    insert_coupon.exchange(use(user_id));
    insert_coupon.exchange(use(policy_id));
    insert_coupon.exchange(use(request_id));
    insert_coupon.exchange(use(partition));
    insert_coupon.exchange(use(offset));
    insert_coupon.exchange(use(issued_at));
    prepare_statement(insert_coupon, kInsertCoupon);

    upsert_outcome.exchange(use(request_id));
    upsert_outcome.exchange(use(user_id));
    upsert_outcome.exchange(use(policy_id));
    upsert_outcome.exchange(use(outcome));
    upsert_outcome.exchange(use(coupon_id, coupon_ind));
    upsert_outcome.exchange(use(partition));
    upsert_outcome.exchange(use(offset));
    upsert_outcome.exchange(use(requested_at));
    upsert_outcome.exchange(use(decided_at));
    upsert_outcome.exchange(use(remaining));
    upsert_outcome.exchange(use(error, error_ind));
    upsert_outcome.exchange(use(replay));
    prepare_statement(upsert_outcome, kUpsertOutcome);

    add_issued.exchange(use(delta));
    add_issued.exchange(use(policy_id));
    add_issued.exchange(use(delta));
    prepare_statement(add_issued, kAddIssued);

    prepare_statement(begin_immediate, "BEGIN IMMEDIATE");
    prepare_statement(commit, "COMMIT");
}

}  // namespace coupon::store
