#include "dead_letter_params.hpp"

#include "coupon/base/time_format.hpp"
#include "coupon/http/admin_auth.hpp"

namespace coupon::http {

std::optional<Response> dead_letter_gate(const ApiContext& context, const Request& request, bool replays) {
    if (auto denied = check_admin(context.config.admin_token, request, context.auth.get())) return denied;
    if (context.deps.dead_letters == nullptr) {
        return error_response(503, "DEAD_LETTERS_UNAVAILABLE", "this node keeps no dead-letter store");
    }
    if (replays && context.deps.replayer == nullptr) {
        return error_response(503, "REPLAY_UNAVAILABLE", "this node cannot replay dead letters");
    }
    return std::nullopt;
}

Response invalid_parameter(const std::string& name, const std::string& message) {
    return error_response(400, "VALIDATION_FAILED", message, {{"field", name}});
}

std::optional<Response> read_time_filter(const QueryParams& params, domain::DeadLetterQuery& query) {
    for (const auto& [name, target] : {std::pair{"from", &query.from}, std::pair{"to", &query.to}}) {
        const auto it = params.find(name);
        if (it == params.end()) continue;
        *target = base::parse_time(it->second);
        if (!*target) {
            return invalid_parameter(name, std::string(name) + " must be an ISO 8601 time like 2026-12-01T10:00:00Z or "
                                                               "2026-12-01T10:00:00%2B09:00");
        }
    }
    if (query.from && query.to && *query.to < *query.from) return invalid_parameter("to", "to must not be before from");
    return std::nullopt;
}

}  // namespace coupon::http
