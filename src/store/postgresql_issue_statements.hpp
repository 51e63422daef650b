#pragma once
// The PostgreSQL issue path's statements, prepared once per connection (server-side) and re-executed
// for every batch. Each takes whole columns as array literals (see PgArray), so a batch costs a fixed
// number of round trips whatever its size. SOCI binds each statement to the members below: a call sets
// the members and executes.
#include <soci/soci.h>

#include <string>

#include "sql_rows.hpp"

namespace coupon::store {

struct PgIssueStatements {
    explicit PgIssueStatements(soci::session& sql);
    PgIssueStatements(const PgIssueStatements&) = delete;
    PgIssueStatements& operator=(const PgIssueStatements&) = delete;

    soci::session& sql;

    // Reads.
    std::string ids, users, policies;
    ResultRow result;
    soci::statement find_results{sql};
    PolicyRow policy;
    soci::statement lock_policies{sql};
    long long holder_user = 0, holder_policy = 0;
    soci::statement find_holders{sql};

    // Coupons of the Issued decisions, one column per array.
    struct CouponColumns {
        std::string user, policy, request, partition, offset, issued_at;
    } coupon;
    long long new_id = 0, new_user = 0, new_policy = 0;
    soci::statement insert_coupons{sql};

    // One outcome row per decision.
    struct OutcomeColumns {
        std::string request, user, policy, outcome, coupon, partition, offset, requested_at, decided_at,
            remaining, error;
    } outcome;
    std::string replayed;  // ids of the operator's replays: the only decisions that may replace FAILED
    std::string written_request;
    soci::statement upsert_outcomes{sql};

    std::string delta_policies, deltas;
    soci::statement add_issued{sql};
};

}  // namespace coupon::store
