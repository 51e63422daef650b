// POST /api/coupon-policies: the admin token and the policy's validation.
#include <catch2/catch.hpp>

#include "test_doubles.hpp"

using namespace coupon::http;
using namespace coupon::http::test;

namespace {

const std::string kPolicy = R"({"name":"Welcome 3000","totalQuantity":1000,"discountType":"AMOUNT",)"
                            R"("discountValue":3000,"issueStartAt":"2026-12-01T10:00:00+09:00",)"
                            R"("issueEndAt":"2026-12-01T23:59:59+09:00"})";
const HeaderMap kAdmin{{"Authorization", "Bearer secret-token-0123"}};

}  // namespace

TEST_CASE("admin endpoints are disabled without a configured token", "[http][admin]") {
    auto config = test_config();
    config.admin_token.clear();
    ApiHarness api(config);
    const auto reply = api.post("/api/coupon-policies", kPolicy, {{"Authorization", "Bearer "}});
    CHECK(reply.status == 403);
    CHECK(str(json_of(reply), "code") == "ADMIN_DISABLED");
    CHECK(api.queries.policies.empty());
}

TEST_CASE("a missing or wrong admin token is 401", "[http][admin]") {
    ApiHarness api;
    for (const auto& headers : {HeaderMap{}, HeaderMap{{"Authorization", "Bearer wrong-token"}},
                                HeaderMap{{"Authorization", "Bearer secret-token-0123-and-more"}},
                                HeaderMap{{"Authorization", "Basic secret-token-0123"}},
                                HeaderMap{{"Authorization", "secret-token-0123"}}}) {
        const auto reply = api.post("/api/coupon-policies", kPolicy, headers);
        CHECK(reply.status == 401);
        CHECK(str(json_of(reply), "code") == "UNAUTHORIZED");
        CHECK(reply.header("www-authenticate") == R"(Bearer realm="coupon-server")");
    }
    CHECK(api.queries.policies.empty());
}

TEST_CASE("the right admin token creates a policy: 201 with Location", "[http][admin]") {
    ApiHarness api;
    const auto reply = api.post("/api/coupon-policies", kPolicy, {{"authorization", "bearer secret-token-0123"}});
    INFO(reply.body);
    REQUIRE(reply.status == 201);
    const auto body = json_of(reply);
    CHECK(body.at("id").as_int64() == 1);
    CHECK(reply.header("location") == "/api/coupon-policies/1");
    CHECK(str(body, "name") == "Welcome 3000");
    CHECK(str(body, "discountType") == "AMOUNT");
    CHECK(body.at("discountValue").as_int64() == 3000);
    CHECK(body.at("totalQuantity").as_int64() == 1000);
    CHECK(body.at("issuedQuantity").as_int64() == 0);
    CHECK(body.at("remainingQuantity").as_int64() == 1000);
    CHECK(str(body, "issueStartAt") == "2026-12-01T01:00:00.000Z");
    CHECK(str(body, "issueEndAt") == "2026-12-01T14:59:59.000Z");
    CHECK_FALSE(str(body, "createdAt").empty());

    const auto minimal = api.post("/api/coupon-policies", R"({"name":"x","totalQuantity":1})", kAdmin);
    REQUIRE(minimal.status == 201);
    CHECK(str(json_of(minimal), "discountType") == "AMOUNT");
    CHECK(json_of(minimal).at("issueStartAt").is_null());
}

TEST_CASE("an invalid policy is 400 VALIDATION_FAILED naming the field", "[http][admin]") {
    struct Row {
        const char* body;
        const char* field;
    };
    const auto row = GENERATE(
        Row{R"({"totalQuantity":1})", "name"}, Row{R"({"name":"","totalQuantity":1})", "name"},
        Row{R"({"name":5,"totalQuantity":1})", "name"}, Row{R"({"name":"x"})", "totalQuantity"},
        Row{R"({"name":"x","totalQuantity":0})", "totalQuantity"},
        Row{R"({"name":"x","totalQuantity":-3})", "totalQuantity"},
        Row{R"({"name":"x","totalQuantity":"5"})", "totalQuantity"},
        Row{R"({"name":"x","totalQuantity":1,"discountType":"FREE"})", "discountType"},
        Row{R"({"name":"x","totalQuantity":1,"discountValue":-1})", "discountValue"},
        Row{R"({"name":"x","totalQuantity":1,"discountType":"RATE","discountValue":101})", "discountValue"},
        Row{R"({"name":"x","totalQuantity":1,"issueStartAt":"tomorrow"})", "issueStartAt"},
        Row{R"({"name":"x","totalQuantity":1,"issueEndAt":7})", "issueEndAt"},
        Row{R"({"name":"x","totalQuantity":1,"issueStartAt":"2026-12-02T00:00:00Z","issueEndAt":"2026-12-01T00:00:00Z"})",
            "issueEndAt"});
    ApiHarness api;
    INFO(row.body);
    const auto reply = api.post("/api/coupon-policies", row.body, kAdmin);
    CHECK(reply.status == 400);
    const auto body = json_of(reply);
    CHECK(str(body, "code") == "VALIDATION_FAILED");
    CHECK(str(body, "field") == row.field);
    CHECK(str(body, "message").find(row.field) != std::string::npos);
    CHECK(api.queries.policies.empty());
}

TEST_CASE("a policy body that is not JSON is 400 INVALID_JSON", "[http][admin]") {
    ApiHarness api;
    const auto reply = api.post("/api/coupon-policies", "{", kAdmin);
    CHECK(reply.status == 400);
    CHECK(str(json_of(reply), "code") == "INVALID_JSON");
}
