#include "coupon/domain/types.hpp"

#include <array>
#include <utility>

namespace coupon::domain {

bool valid_request_id(std::string_view text) {
    if (text.empty() || text.size() > 128) return false;
    for (char c : text) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                        c == '_' || c == '.' || c == ':';
        if (!ok) return false;
    }
    return true;
}

namespace {

struct OutcomeText {
    Outcome outcome;
    std::string_view name;
    std::string_view code;
    std::string_view message;
};

constexpr std::array<OutcomeText, 9> kOutcomes{{
    {Outcome::Pending, "PENDING", "", "the request is accepted and waits to be processed"},
    {Outcome::Issued, "ISSUED", "", "the coupon is issued"},
    {Outcome::AlreadyIssued, "ALREADY_ISSUED", "COUPON_ALREADY_ISSUED", "the user already holds this coupon"},
    {Outcome::SoldOut, "SOLD_OUT", "COUPON_SOLD_OUT", "every coupon of this policy has been issued"},
    {Outcome::NotFound, "NOT_FOUND", "COUPON_POLICY_NOT_FOUND", "no coupon policy has this id"},
    {Outcome::NotOpen, "NOT_OPEN", "COUPON_ISSUE_NOT_OPEN", "the coupon policy is outside its issue window"},
    {Outcome::Failed, "FAILED", "COUPON_ISSUE_FAILED", "the request could not be processed and was dead-lettered"},
    {Outcome::Paused, "PAUSED", "COUPON_ISSUE_PAUSED", "issuing of this coupon policy is paused, try again later"},
    {Outcome::Closed, "CLOSED", "COUPON_ISSUE_CLOSED", "the coupon policy was closed early"},
}};

constexpr std::array<std::pair<PolicyStatus, std::string_view>, 3> kStatuses{{
    {PolicyStatus::Active, "ACTIVE"},
    {PolicyStatus::Paused, "PAUSED"},
    {PolicyStatus::Closed, "CLOSED"},
}};

const OutcomeText& text_of(Outcome outcome) {
    for (const auto& t : kOutcomes) {
        if (t.outcome == outcome) return t;
    }
    return kOutcomes[0];
}

}  // namespace

std::string_view to_string(Outcome outcome) { return text_of(outcome).name; }
std::string_view error_code(Outcome outcome) { return text_of(outcome).code; }
std::string_view describe(Outcome outcome) { return text_of(outcome).message; }

std::optional<Outcome> parse_outcome(std::string_view text) {
    for (const auto& t : kOutcomes) {
        if (t.name == text) return t.outcome;
    }
    return std::nullopt;
}

std::string_view to_string(PolicyStatus status) {
    for (const auto& [value, name] : kStatuses) {
        if (value == status) return name;
    }
    return "ACTIVE";
}

std::optional<PolicyStatus> parse_policy_status(std::string_view text) {
    for (const auto& [value, name] : kStatuses) {
        if (name == text) return value;
    }
    return std::nullopt;
}

bool is_final(Outcome outcome) { return outcome != Outcome::Pending && outcome != Outcome::Failed; }

bool settles(const IssueResult& stored, const IssueRequest& request) {
    return is_final(stored.outcome) || (stored.outcome == Outcome::Failed && !request.replay);
}

bool CouponPolicy::open_at(TimePoint now) const {
    if (issue_start_at && now < *issue_start_at) return false;
    if (issue_end_at && now > *issue_end_at) return false;
    return true;
}

}  // namespace coupon::domain
