// Answers at the edge on a real node (docs/edge-answers.md): claims the node can answer for sure produce
// nothing; the node learns holders from its result topic and policies from its database.
#include <catch2/catch.hpp>

#include <string>

#include "e2e_fixture.hpp"

using namespace coupon::test;

namespace {

std::string claim(std::int64_t policy) { return R"({"couponPolicyId":)" + std::to_string(policy) + "}"; }

}  // namespace

TEST_CASE("a real node answers a closed window and a repeated claim without producing", "[e2e]") {
    RunningServer server;
    const auto closed = server.create_policy(5, R"(,"issueStartAt":"2020-01-01T00:00:00Z","issueEndAt":"2020-01-02T00:00:00Z")");
    const auto open = server.create_policy(5);
    const auto produced = server.metric("coupon_kafka_requests_produced_total");
    REQUIRE(produced >= 0);

    const auto refused = server.post("/api/coupons/1", claim(closed));
    INFO(refused.body);
    CHECK(refused.status == 409);
    CHECK(json_of(refused).at("code").as_string() == "COUPON_ISSUE_NOT_OPEN");
    CHECK_FALSE(json_of(refused).contains("requestId"));

    const auto issued = server.post("/api/coupons/1", claim(open));
    INFO(issued.body);
    REQUIRE(issued.status == 200);
    // The node read its own result: the repeat is answered here, as the consumer would answer it.
    const auto repeat = server.post("/api/coupons/1", claim(open));
    INFO(repeat.body);
    CHECK(repeat.status == 409);
    CHECK(json_of(repeat).at("code").as_string() == "COUPON_ALREADY_ISSUED");
    CHECK_FALSE(json_of(repeat).contains("requestId"));

    CHECK(server.metric("coupon_kafka_requests_produced_total") == produced + 1);  // the issued claim only
    CHECK(server.metric(R"(coupon_http_edge_answers_total{outcome="COUPON_ISSUE_NOT_OPEN"})") == 1);
    CHECK(server.metric(R"(coupon_http_edge_answers_total{outcome="COUPON_ALREADY_ISSUED"})") == 1);
}
