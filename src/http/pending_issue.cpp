#include "pending_issue.hpp"

#include "coupon/base/log.hpp"
#include "coupon/base/metrics.hpp"
#include "issue_answers.hpp"

namespace coupon::http {
namespace {

using domain::AcceptStatus;
using domain::IssueResult;

}  // namespace

base::Metrics::Value& PendingIssue::unconfirmed_answers() {
    static auto& counter = base::Metrics::global().counter(
        "coupon_http_issue_unconfirmed_total",
        "issue requests answered 202 UNCONFIRMED: the broker had not acknowledged them by the deadline");
    return counter;
}

PendingIssue::PendingIssue(std::string request_id, Respond respond, OutcomeBoard& board, bool async,
                           std::int64_t retry_after, domain::StoredRequests* topic, domain::PolicyId policy)
    : request_id_(std::move(request_id)),
      respond_(std::move(respond)),
      board_(board),
      async_(async),
      retry_after_(retry_after),
      topic_(topic),
      policy_(policy) {}

void PendingIssue::on_stored(AcceptStatus status, const std::string& detail, domain::RecordLocation where) {
    Broker verdict = Broker::Stored;
    if (status == AcceptStatus::Unknown) verdict = Broker::Unknown;
    if (status == AcceptStatus::Overloaded || status == AcceptStatus::Unavailable) verdict = Broker::Refused;
    bool told_unconfirmed = false;
    std::optional<IssueResult> early;  // an outcome that came before the acknowledgement
    {
        std::lock_guard lock(mutex_);
        where_ = where;  // read by stored_response() once broker_ says Stored (under this mutex)
        broker_ = verdict;
        told_unconfirmed = told_unconfirmed_;
        early = early_result_;
        if (verdict == Broker::Unknown && !told_unconfirmed_ && !early_result_) told_unconfirmed_ = true;
    }
    switch (verdict) {
        case Broker::Stored:
            board_.confirm(request_id_, async_);  // an async request is answered now: its waiter goes
            if (async_ || early) respond_(stored_response(early));
            return;
        case Broker::Refused:
            log::debug("http", {.request_id = request_id_}, "request refused by the sink: {}", detail);
            if (early) {  // its outcome proves it was stored (a copy of it, at least): say that
                respond_(stored_response(early));
                return;
            }
            if (told_unconfirmed) {
                log::info("http", {.request_id = request_id_},
                          "request answered UNCONFIRMED is now known NOT_QUEUED: {}", detail);
                board_.not_queued(request_id_);
                return;
            }
            board_.cancel(request_id_);
            respond_(refused_response(status, retry_after_));
            return;
        case Broker::Unknown:
            log::warn("http", {.request_id = request_id_}, "the broker may or may not have stored the request: {}", detail);
            if (early) {
                respond_(stored_response(early));
            } else if (!told_unconfirmed) {
                answer_unconfirmed();
            }
            return;
        case Broker::Waiting: return;
    }
}

void PendingIssue::on_answer(std::optional<IssueResult> result) {
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
    if (broker == Broker::Refused || broker == Broker::Unknown) return;  // answered by on_stored
    if (broker == Broker::Waiting && !result) return answer_unconfirmed();
    respond_(stored_response(result));
}

Response PendingIssue::stored_response(const std::optional<IssueResult>& result) const {
    if (async_ || !result) {
        // Only what is known without asking the broker: this runs on a broker or timer thread.
        const auto place = topic_ != nullptr && where_.known() ? topic_->recent_place(where_) : std::nullopt;
        std::optional<std::int64_t> remaining;
        if (place && policy_ != 0) {
            if (auto stock = board_.stock(policy_)) remaining = stock->remaining;
        }
        return pending_response(request_id_, retry_after_, where_, place, remaining);
    }
    return outcome_response(*result, retry_after_, where_);
}

void PendingIssue::answer_unconfirmed() {
    unconfirmed_answers().fetch_add(1, std::memory_order_relaxed);
    respond_(unconfirmed_response(request_id_, retry_after_));
}

}  // namespace coupon::http
