#pragma once
// What every admin dead-letter endpoint checks first, and the time filter they share.
#include <map>
#include <optional>
#include <string>

#include "coupon/domain/dead_letters.hpp"
#include "coupon/http/message.hpp"
#include "handlers.hpp"

namespace coupon::http {

using QueryParams = std::map<std::string, std::string, std::less<>>;

// nullopt when the request may go on; else the answer: 401/403 (check_admin), or 503 when the app wired
// no dead-letter store (DEAD_LETTERS_UNAVAILABLE) or, for a replay, no replayer (REPLAY_UNAVAILABLE).
std::optional<Response> dead_letter_gate(const ApiContext& context, const Request& request, bool replays);

// Reads from/to (ISO 8601, created_at in [from, to)) into `query`; the 400 VALIDATION_FAILED naming the
// parameter when one is not a time or to is before from.
std::optional<Response> read_time_filter(const QueryParams& params, domain::DeadLetterQuery& query);

// 400 VALIDATION_FAILED naming the query parameter.
Response invalid_parameter(const std::string& name, const std::string& message);

}  // namespace coupon::http
