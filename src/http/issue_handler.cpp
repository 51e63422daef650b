// POST /api/coupons/{userId}: validate, short-circuit known sold-out policies, hand the request to the
// broker, and answer with the outcome, or 202 once the broker stored it, or 503 when it did not.
#include <boost/json.hpp>

#include <mutex>

#include "coupon/domain/log.hpp"
#include "coupon/domain/metrics.hpp"
#include "coupon/http/status_map.hpp"
#include "handlers.hpp"
#include "input.hpp"
#include "json_views.hpp"
#include "request_id.hpp"

namespace coupon::http {
namespace {

using domain::AcceptStatus;
using domain::IssueResult;

std::string status_url(const std::string& request_id) { return "/api/coupon-requests/" + request_id; }

Response pending_response(const std::string& request_id, std::int64_t retry_after) {
    boost::json::object body{
        {"status", "PENDING"},
        {"requestId", request_id},
        {"statusUrl", status_url(request_id)},
    };
    auto response = json_response(202, boost::json::serialize(body));
    response.headers.set("Location", status_url(request_id));
    response.headers.set("Retry-After", std::to_string(retry_after));
    return response;
}

Response outcome_response(const IssueResult& result, std::int64_t retry_after) {
    const auto mapped = status_for(result.outcome);
    if (result.outcome == domain::Outcome::Issued) {
        return json_response(mapped.status, boost::json::serialize(issued_json(result)));
    }
    if (mapped.code.empty()) return pending_response(result.request_id, retry_after);
    return error_response(mapped.status, mapped.code, domain::describe(result.outcome),
                          {{"requestId", result.request_id}});
}

Response refused_response(AcceptStatus status, std::int64_t retry_after) {
    auto response = status == AcceptStatus::Overloaded
                        ? error_response(503, "SERVICE_BUSY", "too many requests in flight, retry shortly")
                        : error_response(503, "BROKER_UNAVAILABLE", "the request could not be stored, retry shortly");
    response.headers.set("Retry-After", std::to_string(retry_after));
    return response;
}

// One issue request between submit() and its answer. Two things race: the broker's acknowledgement and
// the board's answer (outcome or deadline). Nothing is sent before the acknowledgement, because a 202 or
// an outcome must never promise what the broker has not stored.
class PendingIssue {
public:
    PendingIssue(std::string request_id, Respond respond, OutcomeBoard& board, bool async, std::int64_t retry_after)
        : request_id_(std::move(request_id)),
          respond_(std::move(respond)),
          board_(board),
          async_(async),
          retry_after_(retry_after) {}

    void on_stored(AcceptStatus status, const std::string& detail) {
        if (status != AcceptStatus::Accepted) {
            board_.cancel(request_id_);
            log::debug("http", "request {} refused by the sink: {}", request_id_, detail);
            respond_(refused_response(status, retry_after_));
            return;
        }
        if (async_) {
            respond_(pending_response(request_id_, retry_after_));
            return;
        }
        std::optional<std::optional<IssueResult>> answer;
        {
            std::lock_guard lock(mutex_);
            accepted_ = true;
            answer = std::move(answer_);
        }
        if (answer) answer_with(*answer);
    }

    void on_answer(std::optional<IssueResult> result) {
        {
            std::lock_guard lock(mutex_);
            if (!accepted_) {
                answer_ = std::move(result);
                return;
            }
        }
        answer_with(result);
    }

private:
    void answer_with(const std::optional<IssueResult>& result) {
        respond_(result ? outcome_response(*result, retry_after_) : pending_response(request_id_, retry_after_));
    }

    const std::string request_id_;
    const Respond respond_;
    OutcomeBoard& board_;
    const bool async_;
    const std::int64_t retry_after_;
    std::mutex mutex_;
    bool accepted_ = false;
    std::optional<std::optional<IssueResult>> answer_;  // the board answered before the broker did
};

}  // namespace

Handler make_issue_handler(Context context) {
    auto& short_circuits = domain::Metrics::global().counter(
        "coupon_http_sold_out_short_circuits_total", "issue requests answered sold out without producing");
    auto& refusals = domain::Metrics::global().counter("coupon_http_issue_refused_total",
                                                       "issue requests the sink refused (answered 503)");
    return [context, &short_circuits, &refusals](Request&& request, Respond respond) {
        const auto user = parse_id(request.param("userId"));
        if (!user) return void(respond(invalid_id("userId", request.param("userId"))));
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
        domain::IssueRequest issue{new_request_id(now), *user, *policy, now};
        const bool async = prefers_async(request.headers);
        auto pending = std::make_shared<PendingIssue>(issue.request_id, respond, board, async,
                                                      context->config.retry_after_seconds);
        // Registered before submitting, so the result cannot arrive before anyone listens for it.
        if (async) {
            board.track(issue.request_id);
        } else {
            board.wait(issue.request_id, std::chrono::steady_clock::now() + context->config.issue_wait,
                       [pending](std::optional<IssueResult> result) { pending->on_answer(std::move(result)); });
        }
        try {
            context->deps.sink.submit(issue, [pending, &refusals](AcceptStatus status, const std::string& detail) {
                // Runs on a broker thread: nothing may escape into the Kafka client.
                try {
                    if (status != AcceptStatus::Accepted) refusals.fetch_add(1, std::memory_order_relaxed);
                    pending->on_stored(status, detail);
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
