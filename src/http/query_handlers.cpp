// The read side: request status, a user's coupons, one policy. All come from the database through
// CouponQueries; a StoreError propagates to the router, which answers 503.
#include <boost/json.hpp>

#include <variant>

#include "authenticator.hpp"
#include "handlers.hpp"
#include "input.hpp"
#include "json_views.hpp"
#include "query_params.hpp"

namespace coupon::http {

Response invalid_id(std::string_view what, std::string_view text) {
    return error_response(400, "INVALID_ID",
                          std::string(what) + " must be a positive 64-bit integer, got '" +
                              std::string(text.substr(0, 64)) + "'",
                          {{"field", std::string(what)}});
}

namespace {

// A request this node took that has no outcome: PENDING (stored, being decided), UNCONFIRMED (the broker
// has not said whether it stored it) or NOT_QUEUED (it did not: it will never be decided).
Response undecided_response(const std::string& id, OutcomeBoard::State state, std::int64_t retry_after) {
    boost::json::object body{{"requestId", id}};
    switch (state) {
        case OutcomeBoard::State::NotQueued:
            body["status"] = "NOT_QUEUED";
            body["message"] = "the broker did not store the request; it will not be decided, send it again";
            return json_response(200, boost::json::serialize(body));
        case OutcomeBoard::State::Unconfirmed:
            body["status"] = "UNCONFIRMED";
            body["message"] = "the broker has not confirmed storing the request yet";
            break;
        case OutcomeBoard::State::Pending:
        case OutcomeBoard::State::Decided:  // without a result: not reached
            body["status"] = "PENDING";
            break;
    }
    auto response = json_response(200, boost::json::serialize(body));
    response.headers.set("Retry-After", std::to_string(retry_after));
    return response;
}

}  // namespace

Handler make_request_status_handler(Context context) {
    return [context](Request&& request, Respond respond) {
        // With auth.mode jwt or header only the request's own user (or an admin) sees its outcome; another
        // user's request is answered as if unknown, so ids reveal nothing either.
        std::optional<Identity> caller;
        if (context->auth) {
            auto who = context->auth->authenticate(request);
            if (auto* refused = std::get_if<Response>(&who)) return void(respond(std::move(*refused)));
            caller = std::move(std::get<Identity>(who));
        }
        const auto hidden = [&caller](const domain::IssueResult& result) {
            return caller && !caller->admin && caller->user != std::to_string(result.user_id);
        };
        // "r%3A1" is "r:1": '%' is not a request-id character, so decoding first is unambiguous.
        const std::string id = percent_decoded(request.param("requestId"));
        if (!valid_request_id(id)) {
            return void(respond(error_response(400, "INVALID_REQUEST_ID",
                                               "a request id has 1 to 128 characters of [A-Za-z0-9._:-]")));
        }
        const auto unknown = [&id] { return error_response(404, "REQUEST_NOT_FOUND", "no request with id " + id); };
        if (auto result = context->deps.queries.find_result(id)) {
            if (hidden(*result)) return void(respond(unknown()));
            return void(respond(json_response(200, boost::json::serialize(request_status_json(*result)))));
        }
        // Taken by this node and not decided yet: the database has no row before the decision.
        if (auto local = context->deps.board.status(id)) {
            if (local->result && hidden(*local->result)) return void(respond(unknown()));
            if (local->result) {  // decided, the row not readable yet (or the database lags)
                return void(respond(json_response(200, boost::json::serialize(request_status_json(*local->result)))));
            }
            return void(respond(undecided_response(id, local->state, context->config.retry_after_seconds)));
        }
        respond(unknown());
    };
}

Handler make_user_coupons_handler(Context context) {
    return [context](Request&& request, Respond respond) {
        std::int64_t user = 0;
        if (auto refused = admit_user(*context, request, user)) return void(respond(std::move(*refused)));
        const auto coupons = context->deps.queries.coupons_of(user);
        respond(json_response(200, boost::json::serialize(user_coupons_json(user, coupons))));
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
