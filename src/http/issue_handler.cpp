// POST /api/coupons/{userId}: validate, short-circuit known sold-out policies, hand the request to the
// broker, and answer with the outcome, or 202 PENDING once the broker stored it, or 503 when it certainly
// did not, or 202 UNCONFIRMED when the broker has not said by the deadline (docs/request-states.md).
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

// The broker has not said (yet) whether it stored the request: not an acceptance, but the client can
// follow the request at its status URL.
Response unconfirmed_response(const std::string& request_id, std::int64_t retry_after) {
    boost::json::object body{
        {"status", "UNCONFIRMED"},
        {"requestId", request_id},
        {"statusUrl", status_url(request_id)},
        {"message", "the broker has not confirmed storing the request yet; its status URL tells whether it "
                    "was queued and, if so, its outcome"},
    };
    auto response = json_response(202, boost::json::serialize(body));
    response.headers.set("Location", status_url(request_id));
    response.headers.set("Retry-After", std::to_string(retry_after));
    return response;
}

Response refused_response(AcceptStatus status, std::int64_t retry_after) {
    auto response = status == AcceptStatus::Overloaded
                        ? error_response(503, "SERVICE_BUSY", "too many requests in flight, retry shortly")
                        : error_response(503, "BROKER_UNAVAILABLE", "the request could not be stored, retry shortly");
    response.headers.set("Retry-After", std::to_string(retry_after));
    return response;
}

// One issue request between submit() and its answer. Three things race: the broker's delivery report,
// the board's outcome and the board's deadline (http.issue_wait_ms). The answer never waits past the
// deadline, and never promises more than is known:
//   - stored (acknowledged, or its outcome arrived, which proves it): the outcome, or 202 PENDING;
//   - certainly not stored (refused at enqueue, or reported NOT_PERSISTED) before the deadline: 503;
//   - not known at the deadline (or the report is ambiguous): 202 UNCONFIRMED; the request's status URL
//     later tells PENDING / the outcome, or NOT_QUEUED once the delivery report says it was not stored.
class PendingIssue {
public:
    PendingIssue(std::string request_id, Respond respond, OutcomeBoard& board, bool async, std::int64_t retry_after)
        : request_id_(std::move(request_id)),
          respond_(std::move(respond)),
          board_(board),
          async_(async),
          retry_after_(retry_after) {}

    // The sink's verdict; runs once, possibly long after the client was answered.
    void on_stored(AcceptStatus status, const std::string& detail) {
        Broker verdict = Broker::Stored;
        if (status == AcceptStatus::Unknown) verdict = Broker::Unknown;
        if (status == AcceptStatus::Overloaded || status == AcceptStatus::Unavailable) verdict = Broker::Refused;
        bool told_unconfirmed = false;
        std::optional<IssueResult> early;  // an outcome that came before the acknowledgement
        {
            std::lock_guard lock(mutex_);
            broker_ = verdict;
            told_unconfirmed = told_unconfirmed_;
            early = early_result_;
            if (verdict == Broker::Unknown && !told_unconfirmed_ && !early_result_) told_unconfirmed_ = true;
        }
        switch (verdict) {
            case Broker::Stored:
                board_.confirm(request_id_);
                if (async_) {
                    board_.release(request_id_);
                    respond_(pending_response(request_id_, retry_after_));
                } else if (early) {
                    respond_(outcome_response(*early, retry_after_));
                }
                return;
            case Broker::Refused:
                log::debug("http", "request {} refused by the sink: {}", request_id_, detail);
                if (early) {  // its outcome proves it was stored (a copy of it, at least): say that
                    respond_(async_ ? pending_response(request_id_, retry_after_) : outcome_response(*early, retry_after_));
                    return;
                }
                if (told_unconfirmed) {
                    log::info("http", "request {} was answered UNCONFIRMED and is now known NOT_QUEUED: {}",
                              request_id_, detail);
                    board_.not_queued(request_id_);
                    return;
                }
                board_.cancel(request_id_);
                respond_(refused_response(status, retry_after_));
                return;
            case Broker::Unknown:
                log::warn("http", "request {}: the broker may or may not have stored it: {}", request_id_, detail);
                if (early) {
                    respond_(async_ ? pending_response(request_id_, retry_after_) : outcome_response(*early, retry_after_));
                } else if (!told_unconfirmed) {
                    unconfirmed_answers().fetch_add(1, std::memory_order_relaxed);
                    respond_(unconfirmed_response(request_id_, retry_after_));
                }
                return;
            case Broker::Waiting: return;
        }
    }

    // The board's answer: the outcome, or nullopt at the deadline (or when the board stops).
    void on_answer(std::optional<IssueResult> result) {
        Broker broker = Broker::Waiting;
        {
            std::lock_guard lock(mutex_);
            broker = broker_;
            if (broker_ == Broker::Waiting) {
                if (result) {
                    early_result_ = result;  // kept for the acknowledgement, or the deadline
                    return;
                }
                if (early_result_) {
                    result = early_result_;  // an outcome proves the record is stored: no need to wait more
                } else {
                    told_unconfirmed_ = true;
                }
            }
        }
        if (broker == Broker::Refused || broker == Broker::Unknown) return;  // already answered
        if (broker == Broker::Waiting && !result) {
            unconfirmed_answers().fetch_add(1, std::memory_order_relaxed);
            respond_(unconfirmed_response(request_id_, retry_after_));
            return;
        }
        if (async_ || !result) {
            respond_(pending_response(request_id_, retry_after_));
        } else {
            respond_(outcome_response(*result, retry_after_));
        }
    }

private:
    enum class Broker { Waiting, Stored, Refused, Unknown };

    static domain::Metrics::Value& unconfirmed_answers() {
        static auto& counter = domain::Metrics::global().counter(
            "coupon_http_issue_unconfirmed_total",
            "issue requests answered 202 UNCONFIRMED: the broker had not acknowledged them by the deadline");
        return counter;
    }

    const std::string request_id_;
    const Respond respond_;
    OutcomeBoard& board_;
    const bool async_;
    const std::int64_t retry_after_;
    std::mutex mutex_;
    Broker broker_ = Broker::Waiting;
    bool told_unconfirmed_ = false;            // the client got 202 UNCONFIRMED (or will, at once)
    std::optional<IssueResult> early_result_;  // the board answered before the broker did
};

}  // namespace

Handler make_issue_handler(Context context) {
    auto& short_circuits = domain::Metrics::global().counter(
        "coupon_http_sold_out_short_circuits_total", "issue requests answered sold out without producing");
    auto& refusals = domain::Metrics::global().counter(
        "coupon_http_issue_refused_total", "issue requests the sink refused: certainly not stored (503 or NOT_QUEUED)");
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
        // Registered before submitting, so the result cannot arrive before anyone listens for it. Async
        // requests wait too: for the acknowledgement, which is bounded by the same deadline.
        board.wait(issue.request_id, std::chrono::steady_clock::now() + context->config.issue_wait,
                   [pending](std::optional<IssueResult> result) { pending->on_answer(std::move(result)); });
        try {
            context->deps.sink.submit(issue, [pending, &refusals](AcceptStatus status, const std::string& detail) {
                // Runs on a broker thread: nothing may escape into the Kafka client.
                try {
                    if (status == AcceptStatus::Overloaded || status == AcceptStatus::Unavailable) {
                        refusals.fetch_add(1, std::memory_order_relaxed);
                    }
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
