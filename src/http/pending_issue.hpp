#pragma once
// One issue request between submit() and its answer. Three things race: the broker's delivery report,
// the board's outcome and the board's deadline (http.issue_wait_ms). The answer never waits past the
// deadline, and never promises more than is known:
//   - stored (acknowledged, or its outcome arrived, which proves it): the outcome, or 202 PENDING;
//   - certainly not stored (refused at enqueue, or reported NOT_PERSISTED) before the deadline: 503;
//   - not known at the deadline (or the report is ambiguous): 202 UNCONFIRMED; the request's status URL
//     later tells PENDING / the outcome, or NOT_QUEUED once the delivery report says it was not stored.
// Both entry points are thread-safe and may run in any order; the client is answered once (Respond).
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "coupon/domain/request_sink.hpp"
#include "coupon/domain/stored_requests.hpp"
#include "coupon/domain/types.hpp"
#include "coupon/base/metrics.hpp"
#include "coupon/http/message.hpp"
#include "coupon/http/outcome_board.hpp"

namespace coupon::http {

class PendingIssue {
public:
    // coupon_http_issue_unconfirmed_total; the issue route creates it at start, so it is exported (as 0)
    // before the first UNCONFIRMED answer and alerts and dashboards can rate() it.
    static base::Metrics::Value& unconfirmed_answers();
    // `topic` (may be null) gives a PENDING answer its place in the queue when one is known without waiting.
    PendingIssue(std::string request_id, Respond respond, OutcomeBoard& board, bool async, std::int64_t retry_after,
                 domain::StoredRequests* topic = nullptr, domain::PolicyId policy = 0);

    // The sink's verdict; runs once, possibly long after the client was answered.
    void on_stored(domain::AcceptStatus status, const std::string& detail, domain::RecordLocation where = {});
    // The board's answer: the outcome, or nullopt at the deadline (or when the board stops).
    void on_answer(std::optional<domain::IssueResult> result);

private:
    enum class Broker { Waiting, Stored, Refused, Unknown };

    // What a request known to be stored answers: its outcome, or 202 PENDING (none yet, or respond-async).
    Response stored_response(const std::optional<domain::IssueResult>& result) const;
    void answer_unconfirmed();

    const std::string request_id_;
    const Respond respond_;
    OutcomeBoard& board_;
    const bool async_;
    const std::int64_t retry_after_;
    domain::StoredRequests* const topic_;
    const domain::PolicyId policy_;  // for likelySoldOut (0: not said)
    std::mutex mutex_;
    Broker broker_ = Broker::Waiting;
    domain::RecordLocation where_;  // where the broker stored it, for the status URL
    bool told_unconfirmed_ = false;                    // the client got 202 UNCONFIRMED (or will, at once)
    std::optional<domain::IssueResult> early_result_;  // the board answered before the broker did
};

}  // namespace coupon::http
