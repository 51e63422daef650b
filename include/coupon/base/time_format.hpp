#pragma once
// ISO 8601 text for TimePoint: what the HTTP API, the Kafka JSON and the database all use.
#include <optional>
#include <string>
#include <string_view>

#include "coupon/base/time_point.hpp"

namespace coupon::base {

// "2026-12-01T01:00:00.123Z" (UTC, millisecond precision).
std::string format_time(TimePoint t);
// The same text appended to `out` (no allocation of its own).
void append_time(std::string& out, TimePoint t);
// Whether format_time writes `t` as text parse_time reads back: years 0000 to 9999. A time from outside
// (a Kafka record's requestedAt) beyond them is refused on arrival, so it never reaches a stored row that
// could no longer be read (the dead-letter list, a request's status).
bool is_storable_time(TimePoint t);
// Accepts "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)", and, as Java's LocalDateTime writes it,
// no offset at all (read as UTC). Returns nullopt for anything else.
std::optional<TimePoint> parse_time(std::string_view text);

}  // namespace coupon::base
