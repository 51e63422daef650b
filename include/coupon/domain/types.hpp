#pragma once
// Plain value types shared by every module. No library headers beyond the standard library.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "coupon/base/time_point.hpp"

namespace coupon::domain {

using UserId = std::int64_t;
using PolicyId = std::int64_t;
using CouponId = std::int64_t;
using TimePoint = base::TimePoint;

// The single recorded outcome of one issue request.
enum class Outcome {
    Pending,        // accepted by Kafka, not decided yet
    Issued,
    AlreadyIssued,  // the user already held a coupon of this policy (from another request)
    SoldOut,
    NotFound,       // unknown policy
    NotOpen,        // outside the policy's issue window
    Failed,         // dead-lettered after a system error
    Paused,         // an operator paused issuing (docs/policy-lifecycle.md); final for this request
    Closed,         // an operator closed the policy early; final
};

// What an operator made of a policy (docs/policy-lifecycle.md). Only Active issues; Closed is for good.
enum class PolicyStatus { Active, Paused, Closed };
std::string_view to_string(PolicyStatus status);
std::optional<PolicyStatus> parse_policy_status(std::string_view text);

// "ISSUED", "ALREADY_ISSUED", ... as used in JSON and in the database.
std::string_view to_string(Outcome outcome);
std::optional<Outcome> parse_outcome(std::string_view text);
// The error code of a non-issued outcome ("COUPON_SOLD_OUT", ...); empty for Issued and Pending.
std::string_view error_code(Outcome outcome);
// A human sentence for the outcome, used as the "message" of an error body.
std::string_view describe(Outcome outcome);
// Business outcomes are final; Failed can be replaced when a dead letter is replayed.
bool is_final(Outcome outcome);

// A request id has 1 to 128 characters of [A-Za-z0-9._:-]: what the HTTP API accepts in a path and what
// every database column and log line can hold (no NUL, no invalid UTF-8, bounded size).
bool valid_request_id(std::string_view text);

struct IssueRequest {
    std::string request_id;
    UserId user_id = 0;
    PolicyId policy_id = 0;
    TimePoint requested_at{};
    // Where the consumer read it; -1 when not read from Kafka (yet).
    std::int32_t partition = -1;
    std::int64_t offset = -1;
    // Re-published by an operator's dead-letter replay: the one kind of record that may replace a stored
    // FAILED outcome. Any other copy of a FAILED request is answered FAILED (docs/request-states.md).
    bool replay = false;
};

struct IssueResult {
    std::string request_id;
    UserId user_id = 0;
    PolicyId policy_id = 0;
    Outcome outcome = Outcome::Pending;
    std::optional<CouponId> coupon_id;     // set when outcome == Issued
    std::optional<TimePoint> issued_at;    // set when outcome == Issued
    TimePoint decided_at{};
    // Stock left after this decision (-1: unknown). Lets every node learn "sold out" from the result topic.
    std::int64_t remaining = -1;
    std::string error;                     // reason, for Failed
};

// Whether `stored` answers `request` as it is: any final outcome, and FAILED unless the request is an
// operator's replay. A client told FAILED must never find that a twin copy got the coupon after all.
bool settles(const IssueResult& stored, const IssueRequest& request);

struct CouponPolicy {
    PolicyId id = 0;
    std::string name;
    std::string discount_type;  // "AMOUNT" or "RATE"
    std::int64_t discount_value = 0;
    std::int64_t total_quantity = 0;
    std::int64_t issued_quantity = 0;
    std::optional<TimePoint> issue_start_at;  // inclusive
    std::optional<TimePoint> issue_end_at;    // inclusive
    TimePoint created_at{};
    PolicyStatus status = PolicyStatus::Active;
    std::int64_t revision = 0;  // +1 per operator change (docs/policy-lifecycle.md)

    std::int64_t remaining() const { return total_quantity - issued_quantity; }
    bool open_at(TimePoint now) const;
    // The opening has passed (or there is none): from then on no operator may change the window or the stock
    // (docs/policy-lifecycle.md), so a figure read now stays true until coupons are issued.
    bool opened_by(TimePoint now) const { return !issue_start_at || *issue_start_at <= now; }
};

struct NewCouponPolicy {
    std::string name;
    std::string discount_type = "AMOUNT";
    std::int64_t discount_value = 0;
    std::int64_t total_quantity = 0;
    std::optional<TimePoint> issue_start_at;
    std::optional<TimePoint> issue_end_at;
};

struct Coupon {
    CouponId id = 0;
    UserId user_id = 0;
    PolicyId policy_id = 0;
    std::string request_id;
    TimePoint issued_at{};
};

}  // namespace coupon::domain
