// The 202 PENDING answer is written straight into its body (base::JsonObjectWriter). These pin it to the
// bytes the boost::json object it replaced serialized to, field order included, and to the readers'
// add_queue_place, which still builds an object: the two must say the same.
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include "issue_answers.hpp"

namespace coupon::http {
namespace {

std::string header(const Response& response, std::string_view name) {
    return std::string(response.headers.get(name).value_or(""));
}

// What the answer was built as before: the object, then add_queue_place.
std::string object_built(const std::string& id, std::int64_t& retry_after, domain::RecordLocation where,
                         const std::optional<domain::QueuePlace>& place, std::optional<std::int64_t> remaining) {
    boost::json::object body{
        {"status", "PENDING"},
        {"requestId", id},
        {"statusUrl", status_url(id, where)},
        {"eventsUrl", events_url(id, where)},
    };
    add_queue_place(body, retry_after, place, remaining);
    return boost::json::serialize(body);
}

}  // namespace

TEST_CASE("a PENDING answer is written as the object it replaced serialized, place and all", "[http][answers]") {
    const std::string id = "0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b";
    struct Case {
        domain::RecordLocation where;
        std::optional<domain::QueuePlace> place;
        std::optional<std::int64_t> remaining;
    };
    const std::vector<Case> cases{
        {{}, std::nullopt, std::nullopt},
        {{3, 41}, std::nullopt, std::nullopt},
        {{0, 0}, domain::QueuePlace{12, std::nullopt}, std::nullopt},
        {{9, 1'234'567'890'123}, domain::QueuePlace{30, 4'500}, 9},   // likely sold out, 5 s wait
        {{2, 7}, domain::QueuePlace{1, 90'000'000}, 30},              // not sold out, wait clamped to 60 s
    };
    for (const auto& c : cases) {
        std::int64_t expected_retry = 5;
        const auto expected = object_built(id, expected_retry, c.where, c.place, c.remaining);
        const auto response = pending_response(id, 5, c.where, c.place, c.remaining);
        CHECK(response.status == 202);
        CHECK(response.body == expected);
        CHECK(header(response, "Retry-After") == std::to_string(expected_retry));
        CHECK(header(response, "Location") == status_url(id, c.where));
    }
    CHECK(status_url(id, {3, 41}) == "/api/coupon-requests/" + id + "?at=3-41");
    CHECK(events_url(id, {3, 41}) == "/api/coupon-requests/" + id + "/events?at=3-41");
    CHECK(events_url(id) == "/api/coupon-requests/" + id + "/events");
    // The place's fields, read back: likelySoldOut only when the requests ahead can take the stock left.
    const auto sold = boost::json::parse(pending_response(id, 5, {9, 1}, domain::QueuePlace{30, 4'500}, 9).body);
    CHECK(sold.at("position").as_int64() == 30);
    CHECK(sold.at("likelySoldOut").as_bool());
    CHECK(sold.at("estimatedWaitMs").as_int64() == 4'500);
}

}  // namespace coupon::http
