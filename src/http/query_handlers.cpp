// The read side: request status, a user's coupons, one policy. All come from the database through
// CouponQueries; a StoreError propagates to the router, which answers 503.
#include <boost/json.hpp>

#include "handlers.hpp"
#include "input.hpp"
#include "json_views.hpp"

namespace coupon::http {

Response invalid_id(std::string_view what, std::string_view text) {
    return error_response(400, "INVALID_ID",
                          std::string(what) + " must be a positive 64-bit integer, got '" +
                              std::string(text.substr(0, 64)) + "'",
                          {{"field", std::string(what)}});
}

Handler make_request_status_handler(Context context) {
    return [context](Request&& request, Respond respond) {
        const std::string id(request.param("requestId"));
        if (!valid_request_id(id)) {
            return void(respond(error_response(400, "INVALID_REQUEST_ID",
                                               "a request id has 1 to 128 characters of [A-Za-z0-9._:-]")));
        }
        if (auto result = context->deps.queries.find_result(id)) {
            return void(respond(json_response(200, boost::json::serialize(request_status_json(*result)))));
        }
        // Accepted by this node and not decided yet: the database has no row before the decision.
        if (context->deps.board.is_pending(id)) {
            boost::json::object body{{"requestId", id}, {"status", "PENDING"}};
            auto response = json_response(200, boost::json::serialize(body));
            response.headers.set("Retry-After", std::to_string(context->config.retry_after_seconds));
            return void(respond(std::move(response)));
        }
        respond(error_response(404, "REQUEST_NOT_FOUND", "no request with id " + id));
    };
}

Handler make_user_coupons_handler(Context context) {
    return [context](Request&& request, Respond respond) {
        const auto user = parse_id(request.param("userId"));
        if (!user) return void(respond(invalid_id("userId", request.param("userId"))));
        const auto coupons = context->deps.queries.coupons_of(*user);
        respond(json_response(200, boost::json::serialize(user_coupons_json(*user, coupons))));
    };
}

Handler make_policy_get_handler(Context context) {
    return [context](Request&& request, Respond respond) {
        const auto id = parse_id(request.param("id"));
        if (!id) return void(respond(invalid_id("id", request.param("id"))));
        const auto policy = context->deps.queries.find_policy(*id);
        if (!policy) {
            return void(respond(error_response(404, "COUPON_POLICY_NOT_FOUND",
                                               "no coupon policy with id " + std::to_string(*id))));
        }
        respond(json_response(200, boost::json::serialize(policy_json(*policy))));
    };
}

}  // namespace coupon::http
