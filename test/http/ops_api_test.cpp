// Liveness, readiness and metrics.
#include <catch2/catch.hpp>

#include "test_doubles.hpp"

using namespace coupon::http;
using namespace coupon::http::test;

TEST_CASE("GET /health is UP", "[http][ops]") {
    ApiHarness api;
    const auto reply = api.get("/health");
    CHECK(reply.status == 200);
    CHECK(reply.body == R"({"status":"UP"})");
}

TEST_CASE("GET /ready follows the app's report", "[http][ops]") {
    ApiHarness api;
    auto reply = api.get("/ready");
    CHECK(reply.status == 200);
    auto body = json_of(reply);
    CHECK(str(body, "status") == "UP");
    CHECK(str(body.at("components").as_object(), "kafka") == "UP");

    api.ready_report = ReadyReport{false, {{"kafka", "DOWN: no partitions assigned"}, {"database", "UP"}}};
    reply = api.get("/ready");
    CHECK(reply.status == 503);
    body = json_of(reply);
    CHECK(str(body, "status") == "DOWN");
    CHECK(str(body.at("components").as_object(), "kafka") == "DOWN: no partitions assigned");
}

TEST_CASE("GET /metrics is Prometheus text that counts responses by status", "[http][ops]") {
    ApiHarness api;
    CHECK(api.get("/nothing-here").status == 404);
    const auto count_404 = [&] {
        const auto text = api.get("/metrics").body;
        const std::string series = R"(coupon_http_responses_total{status="404"} )";
        const auto at = text.find(series);
        return at == std::string::npos ? -1L : std::stol(text.substr(at + series.size()));
    };
    const auto reply = api.get("/metrics");
    CHECK(reply.status == 200);
    CHECK(reply.header("content-type").rfind("text/plain; version=0.0.4", 0) == 0);
    CHECK(reply.body.find("# TYPE coupon_http_responses_total counter") != std::string::npos);
    const long before = count_404();
    REQUIRE(before >= 1);
    CHECK(api.get("/nothing-here").status == 404);
    CHECK(count_404() == before + 1);
}

TEST_CASE("GET /metrics has a latency histogram per route and status class", "[http][ops][metrics]") {
    ApiHarness api;
    const auto count_of = [&](const std::string& series) {
        const auto text = api.get("/metrics").body;
        const auto at = text.find(series);
        return at == std::string::npos ? -1L : std::stol(text.substr(at + series.size()));
    };
    const std::string health = R"(coupon_http_request_duration_seconds_bucket{route="GET /health",status_class="2xx",le="+Inf"} )";
    CHECK(api.get("/health").status == 200);
    const long before = count_of(health);
    REQUIRE(before >= 1);
    for (int i = 0; i < 3; ++i) CHECK(api.get("/health").status == 200);
    CHECK(count_of(health) == before + 3);

    // The same route answering 400 is another series: an error does not hide in the successes' latency.
    const std::string bad = R"(coupon_http_request_duration_seconds_count{route="POST /api/coupons/{userId}",status_class="4xx"} )";
    const long bad_before = std::max(0L, count_of(bad));
    CHECK(api.post("/api/coupons/abc", R"({"couponPolicyId":1})").status == 400);
    CHECK(count_of(bad) == bad_before + 1);

    const auto text = api.get("/metrics").body;
    CHECK(text.find("# TYPE coupon_http_request_duration_seconds histogram") != std::string::npos);
    CHECK(text.find(R"(coupon_http_request_duration_seconds_bucket{route="POST /api/coupons/{userId}",status_class="4xx",le="0.0005"} )") !=
          std::string::npos);
    CHECK(text.find(R"(coupon_http_request_duration_seconds_count{route="GET /health",status_class="2xx"} )") != std::string::npos);
    CHECK(text.find(R"(route="GET /health",status_class="5xx")") == std::string::npos);  // created on first use
}
