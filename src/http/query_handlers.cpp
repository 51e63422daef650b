// The read side: request status, a user's coupons, one policy. All come from the database through
// CouponQueries; a StoreError propagates to the router, which answers 503.
#include <boost/json.hpp>
#include <fmt/format.h>

#include <optional>
#include <variant>

#include "handlers.hpp"
#include "input.hpp"
#include "issue_answers.hpp"
#include "json_views.hpp"
#include "query_params.hpp"
#include "request_lookup.hpp"

namespace coupon::http {

Response policy_not_found(std::int64_t id) {
    return error_response(404, "COUPON_POLICY_NOT_FOUND", "no coupon policy with id " + std::to_string(id));
}

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
                            const std::optional<domain::QueuePlace>& place = std::nullopt,
                            std::optional<std::int64_t> remaining = std::nullopt,
                            std::optional<domain::RecordLocation> where = std::nullopt) {
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
            add_queue_place(body, retry_after, place, remaining);
            if (where) body["eventsUrl"] = events_url(id, *where);
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
        auto found = look_up_request(*context, request);
        if (found.answer) return void(respond(std::move(*found.answer)));
        if (found.result) return void(respond(decided_response(*found.result)));
        const std::int64_t retry_after = context->config.retry_after_seconds;
        StoredRequests* topic = context->deps.stored_requests;
        // A place in the queue needs the record's place (?at=) and a PENDING request (stored).
        if (found.state != OutcomeBoard::State::Pending || !found.where || !topic) {
            return void(respond(undecided_response(found.id, found.state, retry_after)));
        }
        const auto place = topic->place_in_queue(*found.where);
        const auto remaining = place ? remaining_stock(*context, found.policy) : std::nullopt;
        respond(undecided_response(found.id, found.state, retry_after, place, remaining, *found.where));
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
            return void(respond(policy_not_found(*id)));
        }
        respond(json_response(200, boost::json::serialize(policy_json(*policy))));
    };
}

}  // namespace coupon::http
