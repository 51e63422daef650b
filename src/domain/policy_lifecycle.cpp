#include "coupon/domain/policy_lifecycle.hpp"

#include <array>
#include <utility>

namespace coupon::domain {
namespace {

constexpr std::array<std::pair<PolicyAction, std::string_view>, 4> kActions{{
    {PolicyAction::Pause, "PAUSE"},
    {PolicyAction::Resume, "RESUME"},
    {PolicyAction::Close, "CLOSE"},
    {PolicyAction::Edit, "EDIT"},
}};

struct RefusalText {
    ChangeRefusal refusal;
    std::string_view code;
    std::string_view message;
};

constexpr std::array<RefusalText, 7> kRefusals{{
    {ChangeRefusal::Closed, "POLICY_CLOSED", "the coupon policy is closed; it cannot change any more"},
    {ChangeRefusal::NotActive, "POLICY_NOT_ACTIVE", "only an active coupon policy can be paused"},
    {ChangeRefusal::NotPaused, "POLICY_NOT_PAUSED", "only a paused coupon policy can be resumed"},
    {ChangeRefusal::AlreadyOpen, "POLICY_ALREADY_OPEN",
     "the issue window has opened or opens within 10 seconds: its window and stock can no longer change"},
    {ChangeRefusal::TooSoon, "WINDOW_TOO_SOON", "a changed issue window must open at least 10 seconds from now"},
    {ChangeRefusal::BadWindow, "INVALID_WINDOW", "issueEndAt must not be before issueStartAt"},
    {ChangeRefusal::BelowIssued, "STOCK_BELOW_ISSUED", "totalQuantity must not be below the coupons issued already"},
}};

const RefusalText& text_of(ChangeRefusal refusal) {
    for (const auto& t : kRefusals) {
        if (t.refusal == refusal) return t;
    }
    return kRefusals[0];
}

// Window and stock are fixed from kScheduleLead before the opening on: see kScheduleLead.
bool schedule_fixed(const CouponPolicy& policy, TimePoint now) {
    return !policy.issue_start_at || *policy.issue_start_at - kScheduleLead < now;
}

std::optional<ChangeRefusal> edit(CouponPolicy& policy, const PolicyEdit& e, TimePoint now) {
    if (schedule_fixed(policy, now)) return ChangeRefusal::AlreadyOpen;
    CouponPolicy next = policy;
    if (e.issue_start_at) next.issue_start_at = e.issue_start_at;
    if (e.set_end) next.issue_end_at = e.issue_end_at;
    if (e.total_quantity) next.total_quantity = *e.total_quantity;
    if (schedule_fixed(next, now)) return ChangeRefusal::TooSoon;
    if (next.issue_end_at && *next.issue_end_at < *next.issue_start_at) return ChangeRefusal::BadWindow;
    if (next.total_quantity < next.issued_quantity) return ChangeRefusal::BelowIssued;
    policy = next;
    return std::nullopt;
}

}  // namespace

std::string_view to_string(PolicyAction action) {
    for (const auto& [value, name] : kActions) {
        if (value == action) return name;
    }
    return "EDIT";
}

std::optional<PolicyAction> parse_policy_action(std::string_view text) {
    for (const auto& [value, name] : kActions) {
        if (name == text) return value;
    }
    return std::nullopt;
}

std::string_view error_code(ChangeRefusal refusal) { return text_of(refusal).code; }
std::string_view describe(ChangeRefusal refusal) { return text_of(refusal).message; }

PolicyState state_of(const CouponPolicy& policy) {
    return PolicyState{policy.status, policy.total_quantity, policy.issue_start_at, policy.issue_end_at};
}

std::optional<ChangeRefusal> apply_change(CouponPolicy& policy, const PolicyChange& change, TimePoint now) {
    if (policy.status == PolicyStatus::Closed) return ChangeRefusal::Closed;
    switch (change.action) {
        case PolicyAction::Pause:
            if (policy.status != PolicyStatus::Active) return ChangeRefusal::NotActive;
            policy.status = PolicyStatus::Paused;
            break;
        case PolicyAction::Resume:
            if (policy.status != PolicyStatus::Paused) return ChangeRefusal::NotPaused;
            policy.status = PolicyStatus::Active;
            break;
        case PolicyAction::Close:
            policy.status = PolicyStatus::Closed;
            break;
        case PolicyAction::Edit:
            if (auto refused = edit(policy, change.edit, now)) return refused;
            break;
    }
    policy.revision += 1;
    return std::nullopt;
}

}  // namespace coupon::domain
