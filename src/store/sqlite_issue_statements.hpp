#pragma once
// The issue path's statements, prepared once per session and re-executed for every batch: SOCI binds
// each statement to the member variables below, so a call sets the members and executes.
#include <soci/soci.h>

#include <string>

#include "sql_rows.hpp"

namespace coupon::store {

struct IssueStatements {
    explicit IssueStatements(soci::session& sql);
    IssueStatements(const IssueStatements&) = delete;
    IssueStatements& operator=(const IssueStatements&) = delete;

    soci::session& sql;

    // Reads: one statement per batch, the ids passed as a JSON array.
    std::string ids_json;
    ResultRow result;
    soci::statement find_results{sql};
    PolicyRow policy;
    soci::statement lock_policies{sql};
    long long holder_user = 0, holder_policy = 0;
    soci::statement find_holders{sql};

    // Writes: one execution per decision, inside the batch's transaction.
    long long user_id = 0, policy_id = 0, coupon_id = 0, offset = 0, remaining = -1;
    int partition = -1;
    std::string request_id, outcome, requested_at, decided_at, issued_at, error;
    soci::indicator coupon_ind = soci::i_null, error_ind = soci::i_null;
    int replay = 0;  // 1: an operator's replay, which may replace a stored FAILED
    soci::statement insert_coupon{sql};
    soci::statement upsert_outcome{sql};
    long long delta = 0;
    soci::statement add_issued{sql};

    soci::statement begin_immediate{sql};
    soci::statement commit{sql};
};

}  // namespace coupon::store
