// The read side: request status, a user's coupons, one policy. All come from the database through
// CouponQueries; a StoreError propagates to the router, which answers 503.
#include <boost/json.hpp>

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
        // "r%3A1" is "r:1": '%' is not a request-id character, so decoding first is unambiguous.
        const std::string id = percent_decoded(request.param("requestId"));
        if (!valid_request_id(id)) {
            return void(respond(error_response(400, "INVALID_REQUEST_ID",
                                               "a request id has 1 to 128 characters of [A-Za-z0-9._:-]")));
        }
        if (auto result = context->deps.queries.find_result(id)) {
            return void(respond(json_response(200, boost::json::serialize(request_status_json(*result)))));
        }
        // Taken by this node and not decided yet: the database has no row before the decision.
        if (auto local = context->deps.board.status(id)) {
            if (local->result) {  // decided, the row not readable yet (or the database lags)
                return void(respond(json_response(200, boost::json::serialize(request_status_json(*local->result)))));
            }
            return void(respond(undecided_response(id, local->state, context->config.retry_after_seconds)));
        }
        // Not remembered here (another node took it, or this node restarted or forgot it): the issue topic
        // knows, if the client says where to look (the status URL of every accepted request does).
        const auto query = parse_query(request.query);
        const auto at = query.find("at");
        if (at == query.end()) {
            return void(respond(error_response(
                404, "REQUEST_NOT_FOUND",
                "no request with id " + id + " (a request accepted by another node is found with its statusUrl)")));
        }
        const auto where = parse_record_location(at->second);
        if (!where) {
            return void(respond(error_response(400, "INVALID_QUERY_PARAMETER",
                                               "at must be <partition>-<offset>, two non-negative integers",
                                               {{"field", "at"}})));
        }
        using Answer = domain::StoredRequests::Answer;
        const Answer answer = context->deps.stored_requests ? context->deps.stored_requests->holds(id, *where)
                                                            : Answer::DoesNotHold;
        if (answer == Answer::CannotTell) {
            auto response = error_response(503, "BROKER_UNAVAILABLE", "cannot read the request's record now");
            response.headers.set("Retry-After", std::to_string(context->config.retry_after_seconds));
            return void(respond(std::move(response)));
        }
        if (answer == Answer::DoesNotHold) {
            return void(respond(error_response(404, "REQUEST_NOT_FOUND",
                                               "no request with id " + id + " at " + std::string(at->second))));
        }
        // Stored, and the database has no outcome yet (read above, before the record): every accepted request
        // is decided exactly once, so it is on its way. Read the database again: it may have been decided
        // between the first read and the record's.
        if (auto result = context->deps.queries.find_result(id)) {
            return void(respond(json_response(200, boost::json::serialize(request_status_json(*result)))));
        }
        respond(undecided_response(id, OutcomeBoard::State::Pending, context->config.retry_after_seconds));
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
