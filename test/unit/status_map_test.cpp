#include <catch2/catch.hpp>

#include "status_map.hpp"

using coupon::domain::Outcome;
using coupon::http::status_for;

TEST_CASE("status_for maps every outcome to its HTTP status and code", "[http][unit]") {
    struct Row {
        Outcome outcome;
        int status;
        std::string_view code;
    };
    const Row rows[] = {
        {Outcome::Pending, 202, ""},
        {Outcome::Issued, 200, ""},
        {Outcome::AlreadyIssued, 409, "COUPON_ALREADY_ISSUED"},
        {Outcome::SoldOut, 409, "COUPON_SOLD_OUT"},
        {Outcome::NotFound, 404, "COUPON_POLICY_NOT_FOUND"},
        {Outcome::NotOpen, 409, "COUPON_ISSUE_NOT_OPEN"},
        {Outcome::Failed, 500, "COUPON_ISSUE_FAILED"},
        {Outcome::Paused, 409, "COUPON_ISSUE_PAUSED"},
        {Outcome::Closed, 409, "COUPON_ISSUE_CLOSED"},
    };
    for (const auto& row : rows) {
        INFO(coupon::domain::to_string(row.outcome));
        const auto mapped = status_for(row.outcome);
        CHECK(mapped.status == row.status);
        CHECK(mapped.code == row.code);
        // The HTTP code and the domain's own error code never disagree.
        CHECK(mapped.code == coupon::domain::error_code(row.outcome));
    }
}
