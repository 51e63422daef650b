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
