// POST /api/coupons/{userId}: validate, short-circuit known sold-out policies, hand the request to the
// broker, and answer with the outcome, or 202 PENDING once the broker stored it, or 503 when it certainly
// did not, or 202 UNCONFIRMED when the broker has not said by the deadline (docs/request-states.md).
#include <boost/json.hpp>

#include <memory>

#include "coupon/base/log.hpp"
#include "coupon/base/metrics.hpp"
#include "edge_limits.hpp"
#include "handlers.hpp"
#include "input.hpp"
#include "pending_issue.hpp"
#include "request_id.hpp"

namespace coupon::http {
namespace {

using domain::AcceptStatus;
using domain::IssueResult;

}  // namespace

Handler make_issue_handler(Context context) {
    auto& short_circuits = base::Metrics::global().counter(
        "coupon_http_sold_out_short_circuits_total", "issue requests answered sold out without producing");
    auto& refusals = base::Metrics::global().counter(
        "coupon_http_issue_refused_total", "issue requests certainly not stored (answered 503, or NOT_QUEUED)");
    (void)PendingIssue::unconfirmed_answers();
    return [context, &short_circuits, &refusals](Request&& request, Respond respond) {
        // The address limit comes before the credential check (a flood of bad tokens costs a lookup, not a
        // signature check); the user limit after it, so nobody can spend another user's tokens.
        auto* const limits = context->limits.get();
        if (limits != nullptr) {
            if (auto refused = limits->admit_address(request.peer)) return void(respond(std::move(*refused)));
        }
        std::int64_t user = 0;
        if (auto refused = admit_user(*context, request, user)) return void(respond(std::move(*refused)));
        if (limits != nullptr) {
            if (auto refused = limits->admit_user(user)) return void(respond(std::move(*refused)));
        }
        Response error;
        auto body = parse_object(request.body, error);
        if (!body) return void(respond(std::move(error)));
        const auto* field = body->if_contains("couponPolicyId");
        if (field == nullptr || field->is_null()) {
            return void(respond(error_response(400, "MISSING_FIELD", "couponPolicyId is required",
                                               {{"field", "couponPolicyId"}})));
        }
        const auto policy = id_from_json(*field);
        if (!policy) return void(respond(invalid_id("couponPolicyId", boost::json::serialize(*field))));

        auto& board = context->deps.board;
        if (board.is_sold_out(*policy)) {
            short_circuits.fetch_add(1, std::memory_order_relaxed);
            return void(respond(error_response(409, "COUPON_SOLD_OUT", domain::describe(domain::Outcome::SoldOut))));
        }

        const auto now = context->deps.clock.now();
        domain::IssueRequest issue{new_request_id(now), user, *policy, now};
        const bool async = prefers_async(request.headers);
        auto pending = std::make_shared<PendingIssue>(issue.request_id, respond, board, async,
                                                      context->config.retry_after_seconds,
                                                      context->deps.stored_requests);
        // Registered before submitting, so the result cannot arrive before anyone listens for it. Async
        // requests wait too: for the acknowledgement, which is bounded by the same deadline.
        board.wait(issue.request_id, std::chrono::steady_clock::now() + context->config.issue_wait,
                   [pending](std::optional<IssueResult> result) { pending->on_answer(std::move(result)); });
        try {
            context->deps.sink.submit(issue, [pending, &refusals](AcceptStatus status, const std::string& detail,
                                                                  domain::RecordLocation where) {
                // Runs on a broker thread: nothing may escape into the Kafka client.
                try {
                    if (status == AcceptStatus::Overloaded || status == AcceptStatus::Unavailable) {
                        refusals.fetch_add(1, std::memory_order_relaxed);
                    }
                    pending->on_stored(status, detail, where);
                } catch (const std::exception& e) {
                    log::error("http", "answering an issue request failed: {}", e.what());
                }
            });
        } catch (const std::exception& e) {
            log::error("http", "submitting request {} failed: {}", issue.request_id, e.what());
            pending->on_stored(AcceptStatus::Unavailable, e.what());
        }
    };
}

}  // namespace coupon::http
