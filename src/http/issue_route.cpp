// POST /api/coupons/{userId}: validate, answer at the edge what this node knows for sure (an unknown policy,
// a closed window, a coupon already held, sold out: docs/edge-answers.md), else hand the request to the
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
#include "policy_catalog.hpp"
#include "status_map.hpp"
#include "coupon/base/job_pool.hpp"

namespace coupon::http {
namespace {

using domain::AcceptStatus;
using domain::IssueResult;
using domain::Outcome;

// Counters of the answers given without producing, by the outcome they carry (docs/edge-answers.md).
struct EdgeCounters {
    base::Metrics::Value& sold_out_legacy;  // coupon_http_sold_out_short_circuits_total, kept for dashboards
    base::Metrics::Value& refusals;
    base::Metrics::Value& not_found;
    base::Metrics::Value& not_open;
    base::Metrics::Value& already_issued;
    base::Metrics::Value& sold_out;
    base::Metrics::Value& closed;

    static EdgeCounters& get() {
        static constexpr const char* kHelp = "issue requests answered at the edge, without producing, by outcome";
        auto& m = base::Metrics::global();
        static EdgeCounters counters{
            m.counter("coupon_http_sold_out_short_circuits_total", "issue requests answered sold out without producing"),
            m.counter("coupon_http_issue_refused_total",
                      "issue requests certainly not stored (answered 503, or NOT_QUEUED)"),
            m.counter("coupon_http_edge_answers_total", kHelp, R"(outcome="COUPON_POLICY_NOT_FOUND")"),
            m.counter("coupon_http_edge_answers_total", kHelp, R"(outcome="COUPON_ISSUE_NOT_OPEN")"),
            m.counter("coupon_http_edge_answers_total", kHelp, R"(outcome="COUPON_ALREADY_ISSUED")"),
            m.counter("coupon_http_edge_answers_total", kHelp, R"(outcome="COUPON_SOLD_OUT")"),
            m.counter("coupon_http_edge_answers_total", kHelp, R"(outcome="COUPON_ISSUE_CLOSED")"),
        };
        return counters;
    }
};

// One claim after its input was checked: what the edge may answer, else the record for the broker.
struct Claim {
    Context context;
    Respond respond;
    domain::UserId user = 0;
    domain::PolicyId policy = 0;
    bool async = false;
};

// The outcome a consumer would certainly give, in the order it decides (domain/batch_plan.cpp: the window,
// then a coupon already held, then the stock), from what this node knows; nullopt when only the consumer
// can tell. `known` is the policy when the catalog or the database has it.
std::optional<Outcome> edge_outcome(const Claim& claim, const std::optional<domain::CouponPolicy>& known) {
    const auto& board = claim.context->deps.board;
    // A window not open yet is refused here although the consumer might decide after it opens: the request
    // came before the opening, and first come, first served starts at the opening (docs/edge-answers.md).
    if (known && !known->open_at(claim.context->deps.clock.now())) return Outcome::NotOpen;
    if (board.holds(claim.user, claim.policy)) return Outcome::AlreadyIssued;
    if (board.is_sold_out(claim.policy)) return Outcome::SoldOut;
    // Closed is for good, and the consumer checks it after the stock. A paused policy is never answered here:
    // it may be resumed at any moment, and only the consumer's transaction knows (docs/policy-lifecycle.md).
    if (known && known->status == domain::PolicyStatus::Closed) return Outcome::Closed;
    return std::nullopt;
}

void answer_at_edge(const Claim& claim, Outcome outcome) {
    auto& counters = EdgeCounters::get();
    switch (outcome) {
        case Outcome::NotFound: counters.not_found.fetch_add(1, std::memory_order_relaxed); break;
        case Outcome::NotOpen: counters.not_open.fetch_add(1, std::memory_order_relaxed); break;
        case Outcome::Closed: counters.closed.fetch_add(1, std::memory_order_relaxed); break;
        case Outcome::AlreadyIssued: counters.already_issued.fetch_add(1, std::memory_order_relaxed); break;
        case Outcome::SoldOut:
            counters.sold_out.fetch_add(1, std::memory_order_relaxed);
            counters.sold_out_legacy.fetch_add(1, std::memory_order_relaxed);
            break;
        default: break;
    }
    const auto mapped = status_for(outcome);
    claim.respond(error_response(mapped.status, mapped.code, domain::describe(outcome)));
}

// Hands the claim to the broker and answers with its outcome, 202 or 503 (docs/request-states.md).
void submit(const Claim& claim) {
    const auto& context = claim.context;
    auto& board = context->deps.board;
    const auto now = context->deps.clock.now();
    domain::IssueRequest issue{board.new_request_id(now), claim.user, claim.policy, now};
    auto pending = std::make_shared<PendingIssue>(issue.request_id, claim.respond, board, claim.async,
                                                  context->config.retry_after_seconds, context->deps.stored_requests,
                                                  claim.policy);
    // Registered before submitting, so the result cannot arrive before anyone listens for it. Async
    // requests wait too: for the acknowledgement, which is bounded by the same deadline.
    board.wait(issue.request_id, std::chrono::steady_clock::now() + context->config.issue_wait,
               [pending](std::optional<IssueResult> result) { pending->on_answer(std::move(result)); }, claim.policy);
    try {
        context->deps.sink.submit(issue, [pending](AcceptStatus status, const std::string& detail,
                                                   domain::RecordLocation where) {
            // Runs on a broker thread: nothing may escape into the Kafka client.
            try {
                if (status == AcceptStatus::Overloaded || status == AcceptStatus::Unavailable) {
                    EdgeCounters::get().refusals.fetch_add(1, std::memory_order_relaxed);
                }
                pending->on_stored(status, detail, where);
            } catch (const std::exception& e) {
                log::error("http", "answering an issue request failed: {}", e.what());
            }
        });
    } catch (const std::exception& e) {
        log::error("http", {.request_id = issue.request_id}, "submitting the request failed: {}", e.what());
        pending->on_stored(AcceptStatus::Unavailable, e.what());
    }
}

void decide_or_submit(const Claim& claim, const std::optional<domain::CouponPolicy>& known) {
    if (auto outcome = edge_outcome(claim, known)) return answer_at_edge(claim, *outcome);
    submit(claim);
}

// A policy the catalog does not know, or may have to re-read (docs/policy-lifecycle.md): refresh it from the
// database on the blocking pool (at most once a second, one at a time). The claim itself never waits for
// that: it goes through the broker.
void refresh_catalog(const Context& context, BlockingPool& pool) {
    auto& catalog = *context->catalog;
    if (!catalog.begin_refresh(std::chrono::steady_clock::now())) return;
    const bool queued = pool.post([context] {
        context->catalog->refresh(context->deps.queries, std::chrono::steady_clock::now(), context->deps.clock.now());
    });
    if (!queued) catalog.cancel_refresh();  // the pool is full: a later claim tries again
}

}  // namespace

Handler make_issue_handler(Context context, std::shared_ptr<BlockingPool> pool) {
    EdgeCounters::get();  // every series exists from the start, so a dashboard sees its 0
    (void)PendingIssue::unconfirmed_answers();
    return [context, pool](Request&& request, Respond respond) {
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

        const Claim claim{context, std::move(respond), user, *policy, prefers_async(request.headers)};
        const auto known = context->catalog->find(*policy, std::chrono::steady_clock::now());
        if (known.absent) return answer_at_edge(claim, Outcome::NotFound);
        if ((!known.policy || known.reread) && pool) refresh_catalog(context, *pool);
        decide_or_submit(claim, known.policy);
    };
}

}  // namespace coupon::http
