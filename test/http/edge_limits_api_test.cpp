// The edge limits of POST /api/coupons/{userId} (docs/edge-limits.md) over a socket: per user, per client
// address, the 429 answer, the default (off), the metrics. The sink records what reached "Kafka".
#include <catch2/catch.hpp>

#include <string>

#include "test_doubles.hpp"

using namespace coupon::http;
using namespace coupon::http::test;
using coupon::domain::IssueRequest;
using coupon::domain::Outcome;

namespace {

const std::string kBody = R"({"couponPolicyId":7})";
// So slow that no token comes back while a test runs: what passes is exactly the burst.
constexpr double kNoRefill = 0.001;

void issue_everything(ApiHarness& api) {
    api.sink.decide = [](const IssueRequest& request) { return result_for(request, Outcome::Issued); };
}

void check_too_many(const Reply& reply) {
    INFO(reply.status << " " << reply.body);
    REQUIRE(reply.status == 429);
    CHECK(reply.header("content-type") == "application/json");
    const auto body = json_of(reply);
    CHECK(str(body, "code") == "TOO_MANY_REQUESTS");
    CHECK_FALSE(str(body, "message").empty());
    // One token at 0.001/s is up to 1,000 s away (less the time the test has run); whole seconds.
    const auto retry_after = reply.header("retry-after");
    REQUIRE_FALSE(retry_after.empty());
    CHECK(retry_after.find_first_not_of("0123456789") == std::string::npos);
    CHECK(std::stoi(retry_after) > 900);
    CHECK(std::stoi(retry_after) <= 1000);
}

// The value of one series in the /metrics text, -1 when absent.
long long metric(ApiHarness& api, const std::string& series) {
    const auto text = api.get("/metrics").body;
    const auto at = text.find("\n" + series + " ");
    if (at == std::string::npos) return -1;
    return std::stoll(text.substr(at + series.size() + 2));
}

const std::string kUserSeries = R"(coupon_http_rate_limited_total{limit="user"})";
const std::string kAddressSeries = R"(coupon_http_rate_limited_total{limit="address"})";

}  // namespace

TEST_CASE("limits are off by default: a burst from one address for one user all reaches the sink",
          "[http][limits]") {
    ApiHarness api;
    CHECK_FALSE(api.config.limits.per_user.on());
    CHECK_FALSE(api.config.limits.per_address.on());
    issue_everything(api);
    for (int i = 0; i < 50; ++i) REQUIRE(api.post("/api/coupons/1", kBody).status == 200);
    CHECK(api.sink.submitted().size() == 50);
    // The series exist (at 0 in a fresh process) even with the limits off, for dashboards and alerts.
    CHECK(metric(api, kUserSeries) >= 0);
    CHECK(metric(api, kAddressSeries) >= 0);
}

TEST_CASE("a user over the per-user limit gets 429 with Retry-After, and nothing is produced", "[http][limits]") {
    auto config = test_config();
    config.limits.per_user = {kNoRefill, 3};
    ApiHarness api(config);
    issue_everything(api);
    const auto refused_before = metric(api, kUserSeries);
    for (int i = 0; i < 3; ++i) REQUIRE(api.post("/api/coupons/5", kBody).status == 200);
    check_too_many(api.post("/api/coupons/5", kBody));
    check_too_many(api.post("/api/coupons/5", kBody));
    CHECK(api.sink.submitted().size() == 3);
    // Another user, from the same address, has a bucket of its own.
    CHECK(api.post("/api/coupons/6", kBody).status == 200);
    CHECK(api.sink.submitted().size() == 4);
    CHECK(metric(api, kUserSeries) == refused_before + 2);
    // The other routes are not limited.
    CHECK(api.get("/health").status == 200);
}

TEST_CASE("one client address over the per-address limit gets 429 whatever the user", "[http][limits]") {
    auto config = test_config();
    config.limits.per_address = {kNoRefill, 4};
    ApiHarness api(config);
    issue_everything(api);
    const auto refused_before = metric(api, kAddressSeries);
    for (int user = 1; user <= 4; ++user) {
        REQUIRE(api.post("/api/coupons/" + std::to_string(user), kBody).status == 200);
    }
    check_too_many(api.post("/api/coupons/5", kBody));
    // The address is counted before the id is read: bad requests spend its tokens too.
    check_too_many(api.post("/api/coupons/abc", kBody));
    CHECK(api.sink.submitted().size() == 4);
    CHECK(metric(api, kAddressSeries) == refused_before + 2);
}

TEST_CASE("with auth, another caller's refused attempts do not spend a user's tokens", "[http][limits]") {
    auto config = test_config();
    config.auth.mode = AuthConfig::Mode::Header;
    config.auth.header = "X-User-Id";
    config.limits.per_user = {kNoRefill, 1};
    ApiHarness api(config);
    issue_everything(api);
    // Someone acting for user 9 without being user 9: 401 and 403, never 429, and user 9 keeps the token.
    for (int i = 0; i < 5; ++i) {
        CHECK(api.post("/api/coupons/9", kBody).status == 401);
        CHECK(api.post("/api/coupons/9", kBody, {{"X-User-Id", "8"}}).status == 403);
    }
    CHECK(api.post("/api/coupons/9", kBody, {{"X-User-Id", "9"}}).status == 200);
    check_too_many(api.post("/api/coupons/9", kBody, {{"X-User-Id", "9"}}));
    CHECK(api.sink.submitted().size() == 1);
}

TEST_CASE("both limits at once: the first one exceeded answers", "[http][limits]") {
    auto config = test_config();
    config.limits.per_user = {kNoRefill, 2};
    config.limits.per_address = {kNoRefill, 5};
    ApiHarness api(config);
    issue_everything(api);
    const auto users_before = metric(api, kUserSeries);
    const auto addresses_before = metric(api, kAddressSeries);
    CHECK(api.post("/api/coupons/1", kBody).status == 200);
    CHECK(api.post("/api/coupons/1", kBody).status == 200);
    check_too_many(api.post("/api/coupons/1", kBody));  // user 1's bucket; the address has 2 left
    CHECK(api.post("/api/coupons/2", kBody).status == 200);
    CHECK(api.post("/api/coupons/3", kBody).status == 200);
    check_too_many(api.post("/api/coupons/4", kBody));  // the address's bucket
    CHECK(api.sink.submitted().size() == 4);
    CHECK(metric(api, kUserSeries) == users_before + 1);
    CHECK(metric(api, kAddressSeries) == addresses_before + 1);
}
