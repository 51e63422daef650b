#include "status_map.hpp"

namespace coupon::http {

HttpStatus status_for(domain::Outcome outcome) {
    using domain::Outcome;
    // No default: -Wswitch names any outcome added later and left unmapped.
    switch (outcome) {
        case Outcome::Pending: return {202, ""};
        case Outcome::Issued: return {200, ""};
        case Outcome::AlreadyIssued: return {409, "COUPON_ALREADY_ISSUED"};
        case Outcome::SoldOut: return {409, "COUPON_SOLD_OUT"};
        case Outcome::NotFound: return {404, "COUPON_POLICY_NOT_FOUND"};
        case Outcome::NotOpen: return {409, "COUPON_ISSUE_NOT_OPEN"};
        case Outcome::Failed: return {500, "COUPON_ISSUE_FAILED"};
        case Outcome::Paused: return {409, "COUPON_ISSUE_PAUSED"};
        case Outcome::Closed: return {409, "COUPON_ISSUE_CLOSED"};
    }
    return {500, "INTERNAL_ERROR"};  // a value outside the enum: corrupted input, not a new outcome
}

}  // namespace coupon::http
