#pragma once
// Values as the database text sees them: times as ISO 8601 UTC text, and whole id lists as one JSON
// array bound to a single parameter (expanded server-side by json_each), so a batch of any size is one
// prepared statement and one round trip instead of a statement per id or a query text per batch size.
#include <optional>
#include <string>
#include <vector>

#include "coupon/domain/issue_store.hpp"
#include "coupon/domain/types.hpp"

namespace coupon::store {

std::string db_time(domain::TimePoint t);
// Throws StoreError: a time the store wrote itself that does not parse means a corrupt row.
domain::TimePoint parse_db_time(const std::string& text);
std::optional<domain::TimePoint> parse_db_time(const std::string& text, bool present);

std::string json_array(const std::vector<std::string>& texts);
std::string json_array(const std::vector<domain::PolicyId>& ids);
std::string json_array(const std::vector<domain::UserPolicy>& pairs);  // [[user, policy], ...]

}  // namespace coupon::store
