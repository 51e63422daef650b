// The read side: request status, a user's coupons, one policy. All come from the database through
// CouponQueries; a StoreError propagates to the router, which answers 503.
#include <boost/json.hpp>
#include <fmt/format.h>

#include <optional>
#include <variant>

#include "authenticator.hpp"
#include "handlers.hpp"
#include "input.hpp"
#include "issue_answers.hpp"
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

using domain::StoredRequests;

// A request this node took that has no outcome: PENDING (stored, being decided), UNCONFIRMED (the broker
// has not said whether it stored it) or NOT_QUEUED (it did not: it will never be decided). A PENDING one
// with a known place in its partition's queue says how many are ahead and about how long it will wait;
// Retry-After follows the estimate (1 to 60 s) instead of the configured constant.
Response undecided_response(const std::string& id, OutcomeBoard::State state, std::int64_t retry_after,
                            const std::optional<domain::QueuePlace>& place = std::nullopt) {
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
            add_queue_place(body, retry_after, place);
            break;
    }
    auto response = json_response(200, boost::json::serialize(body));
    response.headers.set("Retry-After", std::to_string(retry_after));
    return response;
}

Response decided_response(const domain::IssueResult& result) {
    return json_response(200, boost::json::serialize(request_status_json(result)));
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
        // "r%3A1" is "r:1": '%' is not a request-id character, so decoding first is unambiguous.
        const std::string id = percent_decoded(request.param("requestId"));
        if (!valid_request_id(id)) {
            return void(respond(error_response(400, "INVALID_REQUEST_ID",
                                               "a request id has 1 to 128 characters of [A-Za-z0-9._:-]")));
        }
        // ?at=<partition>-<offset>: where the broker stored it (the status URL of an accepted request has it).
        std::optional<domain::RecordLocation> where;
        const auto query = parse_query(request.query);
        if (const auto at = query.find("at"); at != query.end()) {
            where = parse_record_location(at->second);
            if (!where) {
                return void(respond(error_response(400, "INVALID_QUERY_PARAMETER",
                                                   "at must be <partition>-<offset>, two non-negative integers",
                                                   {{"field", "at"}})));
            }
        }
        const auto unknown = [&id] { return error_response(404, "REQUEST_NOT_FOUND", "no request with id " + id); };
        const auto decided = [&](const domain::IssueResult& result) {
            const bool hidden = caller && !caller->admin && caller->user != std::to_string(result.user_id);
            return hidden ? unknown() : decided_response(result);
        };
        if (auto result = context->deps.queries.find_result(id)) return void(respond(decided(*result)));
        StoredRequests* topic = context->deps.stored_requests;
        const std::int64_t retry_after = context->config.retry_after_seconds;
        // Taken by this node and not decided yet: the database has no row before the decision.
        if (auto local = context->deps.board.status(id)) {
            if (local->result) return void(respond(decided(*local->result)));  // the row lags
            if (local->state != OutcomeBoard::State::Pending || !where || !topic) {
                return void(respond(undecided_response(id, local->state, retry_after)));
            }
            return void(respond(undecided_response(id, local->state, retry_after, topic->place_in_queue(*where))));
        }
        // Not remembered here (another node took it, or this node restarted or forgot it): the issue topic
        // knows, if the client says where to look.
        if (!where) {
            return void(respond(error_response(
                404, "REQUEST_NOT_FOUND",
                "no request with id " + id + " (a request accepted by another node is found with its statusUrl)")));
        }
        const auto answer = topic ? topic->holds(id, *where) : StoredRequests::Answer::DoesNotHold;
        if (answer == StoredRequests::Answer::CannotTell) {
            auto response = error_response(503, "BROKER_UNAVAILABLE", "cannot read the request's record now");
            response.headers.set("Retry-After", std::to_string(retry_after));
            return void(respond(std::move(response)));
        }
        if (answer == StoredRequests::Answer::DoesNotHold) {
            return void(respond(error_response(
                404, "REQUEST_NOT_FOUND",
                fmt::format("no request with id {} at {}-{}", id, where->partition, where->offset))));
        }
        // Stored, and the database had no outcome: every accepted request is decided exactly once, so it is on
        // its way. Read the database again: it may have been decided between the first read and the record's.
        if (auto result = context->deps.queries.find_result(id)) return void(respond(decided(*result)));
        respond(undecided_response(id, OutcomeBoard::State::Pending, retry_after, topic->place_in_queue(*where)));
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
