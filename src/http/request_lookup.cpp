#include "request_lookup.hpp"

#include <fmt/format.h>

#include <variant>

#include "coupon/domain/store_error.hpp"
#include "input.hpp"
#include "query_params.hpp"

namespace coupon::http {

using domain::StoredRequests;

bool may_see(const std::optional<Identity>& caller, const domain::IssueResult& result) {
    return !caller || caller->admin || caller->user == std::to_string(result.user_id);
}

Response request_not_found(const std::string& id) {
    return error_response(404, "REQUEST_NOT_FOUND", "no request with id " + id);
}

RequestLookup look_up_request(const ApiContext& context, const Request& request) {
    RequestLookup found;
    // Another user's request is answered as if unknown, so ids reveal nothing either.
    if (context.auth) {
        auto who = context.auth->authenticate(request);
        if (auto* refused = std::get_if<Response>(&who)) {
            found.answer = std::move(*refused);
            return found;
        }
        found.caller = std::move(std::get<Identity>(who));
    }
    // "r%3A1" is "r:1": '%' is not a request-id character, so decoding first is unambiguous.
    found.id = percent_decoded(request.param("requestId"));
    const std::string& id = found.id;
    if (!valid_request_id(id)) {
        found.answer = error_response(400, "INVALID_REQUEST_ID", "a request id has 1 to 128 characters of [A-Za-z0-9._:-]");
        return found;
    }
    // ?at=<partition>-<offset>: where the broker stored it (the status URL of an accepted request has it).
    const auto query = parse_query(request.query);
    if (const auto at = query.find("at"); at != query.end()) {
        found.where = parse_record_location(at->second);
        if (!found.where) {
            found.answer = error_response(400, "INVALID_QUERY_PARAMETER",
                                          "at must be <partition>-<offset>, two non-negative integers", {{"field", "at"}});
            return found;
        }
    }
    const auto decided = [&](const domain::IssueResult& result) {
        if (may_see(found.caller, result)) {
            found.result = result;
        } else {
            found.answer = request_not_found(id);
        }
        return found;
    };
    if (auto result = context.deps.queries.find_result(id)) return decided(*result);
    // Taken by this node and not decided yet: the database has no row before the decision.
    if (auto local = context.deps.board.status(id)) {
        if (local->result) return decided(*local->result);  // the row lags
        found.local = true;
        found.state = local->state;
        found.policy = local->policy;
        return found;
    }
    // Not remembered here (another node took it, or this node restarted or forgot it): the issue topic
    // knows, if the client says where to look.
    if (!found.where) {
        found.answer = error_response(
            404, "REQUEST_NOT_FOUND",
            "no request with id " + id + " (a request accepted by another node is found with its statusUrl)");
        return found;
    }
    StoredRequests* topic = context.deps.stored_requests;
    const auto answer = topic ? topic->holds(id, *found.where) : StoredRequests::Answer::DoesNotHold;
    if (answer == StoredRequests::Answer::CannotTell) {
        found.answer = error_response(503, "BROKER_UNAVAILABLE", "cannot read the request's record now");
        found.answer->headers.set("Retry-After", std::to_string(context.config.retry_after_seconds));
        return found;
    }
    if (answer == StoredRequests::Answer::DoesNotHold) {
        found.answer = error_response(
            404, "REQUEST_NOT_FOUND",
            fmt::format("no request with id {} at {}-{}", id, found.where->partition, found.where->offset));
        return found;
    }
    // Stored, and the database had no outcome: every accepted request is decided exactly once, so it is on
    // its way. Read the database again: it may have been decided between the first read and the record's.
    if (auto result = context.deps.queries.find_result(id)) return decided(*result);
    found.state = OutcomeBoard::State::Pending;
    found.policy = topic->policy_at(id, *found.where).value_or(0);
    return found;
}

std::optional<std::int64_t> remaining_stock(const ApiContext& context, domain::PolicyId policy) {
    if (policy == 0) return std::nullopt;
    if (auto stock = context.deps.board.stock(policy)) return stock->remaining;
    const auto row = context.deps.queries.find_policy(policy);
    if (!row) return std::nullopt;
    // Remembered only once the window has opened: before, an admin may still change the stock.
    if (row->opened_by(context.deps.clock.now())) {
        context.deps.board.learn_stock(policy, row->remaining());
    }
    return row->remaining();
}

}  // namespace coupon::http
