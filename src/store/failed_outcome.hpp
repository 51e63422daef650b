#pragma once
// Marking a dead-lettered request FAILED: one statement, shared by Database::record_failed and the dead
// letter store (which runs it inside the transaction that stores the dead letter).
#include <string>

#include "coupon/domain/types.hpp"

namespace soci {
class session;
}

namespace coupon::store {

// Records outcome FAILED (decided at `decided`, with `error`) for the request unless a final outcome is
// recorded already; a FAILED row may be overwritten by FAILED. Returns whether the row was written.
// Throws SOCI's errors (callers wrap them).
bool write_failed_outcome(soci::session& sql, const domain::IssueRequest& request, const std::string& error,
                          domain::TimePoint decided);

}  // namespace coupon::store
