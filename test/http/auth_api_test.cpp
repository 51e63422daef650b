// auth.mode jwt and header on the user routes, and a JWT's admin claim on the admin routes (docs/auth.md),
// over a real HttpServer on loopback. Tokens are signed here; RSA keys are generated at test time.
#include <catch2/catch.hpp>

#include "test_doubles.hpp"
#include "test_tokens.hpp"

using namespace coupon::http;
using namespace coupon::http::test;
using coupon::domain::IssueRequest;
using coupon::domain::Outcome;
using coupon::test::kTestJwtSecret;
using coupon::test::sign_jwt;
using coupon::test::unix_now;

namespace {

const std::string kBody = R"({"couponPolicyId":7})";

HttpConfig jwt_config(AuthConfig::Jwt jwt = {}) {
    auto config = test_config();
    config.auth.mode = AuthConfig::Mode::Jwt;
    if (jwt.secret.empty() && jwt.public_key.empty()) jwt.secret = kTestJwtSecret;
    config.auth.jwt = std::move(jwt);
    return config;
}

std::string token_for(const std::string& sub, const std::string& extra = "", std::int64_t exp_offset = 300,
                      const std::string& alg = "HS256", const std::string& key = kTestJwtSecret) {
    return sign_jwt(alg, key,
                    R"({"sub":")" + sub + R"(","exp":)" + std::to_string(unix_now() + exp_offset) +
                        (extra.empty() ? "" : "," + extra) + "}");
}

HeaderMap bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }

void check_refused(const Reply& reply, int status, const std::string& code, const std::string& challenge_part) {
    INFO(reply.status << " " << reply.body << " WWW-Authenticate: " << reply.header("www-authenticate"));
    CHECK(reply.status == status);
    CHECK(reply.header("content-type") == "application/json");
    CHECK(str(json_of(reply), "code") == code);
    CHECK_FALSE(str(json_of(reply), "message").empty());
    CHECK(reply.header("www-authenticate").find(challenge_part) != std::string::npos);
}

void decide_issued(ApiHarness& api) {
    api.sink.decide = [](const IssueRequest& request) { return result_for(request, Outcome::Issued); };
}

}  // namespace

TEST_CASE("jwt: a valid token for the path's user claims and reads", "[http][auth]") {
    ApiHarness api(jwt_config());
    decide_issued(api);
    const auto reply = api.post("/api/coupons/42", kBody, bearer(token_for("42")));
    INFO(reply.body);
    CHECK(reply.status == 200);
    REQUIRE(api.sink.submitted().size() == 1);
    CHECK(api.get("/api/users/42/coupons", bearer(token_for("42"))).status == 200);
    // An integer claim names the same user.
    const auto numeric = sign_jwt("HS256", kTestJwtSecret, R"({"sub":42,"exp":)" + std::to_string(unix_now() + 60) + "}");
    CHECK(api.post("/api/coupons/42", kBody, bearer(numeric)).status == 200);
}

TEST_CASE("jwt: missing, malformed, expired, early, forged and unsigned tokens get 401 and produce nothing",
          "[http][auth]") {
    ApiHarness api(jwt_config());
    const auto good = token_for("42");
    const auto forged = good.substr(0, good.rfind('.')) + token_for("42", R"("x":1)").substr(good.rfind('.'));
    const auto other_key = token_for("42", "", 300, "HS256", "another-secret-of-enough-length-0123456789");
    const auto unsigned_token = token_for("42", "", 300, "none", "");

    check_refused(api.post("/api/coupons/42", kBody), 401, "UNAUTHORIZED", R"(Bearer realm="coupon-server")");
    CHECK(api.post("/api/coupons/42", kBody).header("www-authenticate").find("error=") == std::string::npos);
    check_refused(api.post("/api/coupons/42", kBody, {{"Authorization", "Basic dXNlcjpwdw=="}}), 401, "UNAUTHORIZED",
                  R"(error="invalid_request")");
    check_refused(api.post("/api/coupons/42", kBody, {{"Authorization", "Bearer "}}), 401, "UNAUTHORIZED",
                  R"(error="invalid_request")");
    for (const auto& token : {std::string("not-a-jwt"), std::string("a.b.c"), token_for("42", "", -3600),
                              token_for("42", R"("nbf":)" + std::to_string(unix_now() + 3600)), forged, other_key,
                              unsigned_token}) {
        INFO(token);
        check_refused(api.post("/api/coupons/42", kBody, bearer(token)), 401, "UNAUTHORIZED",
                      R"(error="invalid_token")");
        check_refused(api.get("/api/users/42/coupons", bearer(token)), 401, "UNAUTHORIZED", R"(error="invalid_token")");
    }
    const auto expired = api.post("/api/coupons/42", kBody, bearer(token_for("42", "", -3600)));
    CHECK(expired.header("www-authenticate").find(R"(error_description="the token has expired")") != std::string::npos);
    CHECK(api.sink.submitted().empty());
}

TEST_CASE("jwt: a valid token for another user gets 403, checked after the id", "[http][auth]") {
    ApiHarness api(jwt_config());
    const auto token = token_for("41");
    check_refused(api.post("/api/coupons/42", kBody, bearer(token)), 403, "FORBIDDEN", R"(error="insufficient_scope")");
    check_refused(api.get("/api/users/42/coupons", bearer(token)), 403, "FORBIDDEN", "insufficient_scope");
    // 401 before the id is read, 400 before the user is compared; "041" is not user 41's other name.
    CHECK(api.post("/api/coupons/abc", kBody).status == 401);
    CHECK(str(json_of(api.post("/api/coupons/abc", kBody, bearer(token))), "code") == "INVALID_ID");
    CHECK(str(json_of(api.post("/api/coupons/041", kBody, bearer(token))), "code") == "INVALID_ID");
    CHECK(api.post("/api/coupons/42", kBody, bearer(token_for("042"))).status == 403);
    CHECK(api.sink.submitted().empty());
    // Counted by reason.
    const auto metrics = api.get("/metrics").body;
    CHECK(metrics.find(R"(coupon_http_auth_refused_total{reason="forbidden"})") != std::string::npos);
    CHECK(metrics.find(R"(coupon_http_auth_refused_total{reason="missing"})") != std::string::npos);
}

TEST_CASE("jwt: another user's request status is answered as unknown", "[http][auth]") {
    ApiHarness api(jwt_config());
    decide_issued(api);
    const auto reply = api.post("/api/coupons/42", kBody, bearer(token_for("42")));
    REQUIRE(reply.status == 200);
    const auto id = str(json_of(reply), "requestId");
    CHECK(api.get("/api/coupon-requests/" + id, bearer(token_for("42"))).status == 200);
    CHECK(str(json_of(api.get("/api/coupon-requests/" + id, bearer(token_for("7")))), "code") == "REQUEST_NOT_FOUND");
    CHECK(api.get("/api/coupon-requests/" + id).status == 401);
    // Public reads stay open.
    CHECK(api.get("/api/coupon-policies/1").status == 404);
    CHECK(api.get("/health").status == 200);
}

TEST_CASE("jwt: RS256 with a public key generated at test time", "[http][auth]") {
    coupon::test::TempDir dir;
    const auto rsa = coupon::test::generate_key_pair(dir, "rsa");
    AuthConfig::Jwt jwt;
    jwt.public_key = rsa.public_pem;
    jwt.issuer = "https://id.example";
    ApiHarness api(jwt_config(jwt));
    decide_issued(api);
    const auto good = token_for("42", R"("iss":"https://id.example")", 300, "RS256", rsa.private_pem);
    CHECK(api.post("/api/coupons/42", kBody, bearer(good)).status == 200);
    check_refused(api.post("/api/coupons/42", kBody,
                           bearer(token_for("42", R"("iss":"https://id.example")", 300, "HS256", rsa.public_pem))),
                  401, "UNAUTHORIZED", "invalid_token");
    check_refused(api.post("/api/coupons/42", kBody,
                           bearer(token_for("42", R"("iss":"https://other.example")", 300, "RS256", rsa.private_pem))),
                  401, "UNAUTHORIZED", "invalid_token");
}

TEST_CASE("jwt: an admin claim opens the admin endpoints, the admin token still does", "[http][auth][admin]") {
    AuthConfig::Jwt jwt;
    jwt.admin_claim = "roles";
    ApiHarness api(jwt_config(jwt));
    const std::string policy = R"({"name":"x","totalQuantity":1})";
    CHECK(api.post("/api/coupon-policies", policy, bearer(token_for("1", R"("roles":["admin"])"))).status == 201);
    CHECK(api.post("/api/coupon-policies", policy, {{"Authorization", "Bearer " + api.config.admin_token}}).status ==
          201);
    check_refused(api.post("/api/coupon-policies", policy, bearer(token_for("1", R"("roles":["user"])"))), 403,
                  "FORBIDDEN", "");
    check_refused(api.post("/api/coupon-policies", policy, bearer(token_for("1", R"("roles":["admin"])", -3600))), 401,
                  "UNAUTHORIZED", "invalid_token");
    CHECK(api.get("/api/admin/dead-letters", bearer(token_for("1", R"("roles":"admin")"))).status == 200);
    CHECK(api.queries.policies.size() == 2);
    CHECK(api.get("/metrics").body.find("coupon_http_admin_auth_failures_total") != std::string::npos);

    // Without admin_claim a JWT is never an admin.
    ApiHarness plain(jwt_config());
    CHECK(plain.post("/api/coupon-policies", policy, bearer(token_for("1", R"("roles":["admin"])"))).status == 401);
}

TEST_CASE("header mode: the gateway's header must name the path's user", "[http][auth]") {
    auto config = test_config();
    config.auth.mode = AuthConfig::Mode::Header;
    config.auth.header = "X-User-Id";
    ApiHarness api(config);
    decide_issued(api);
    CHECK(api.post("/api/coupons/42", kBody, {{"x-user-id", "42"}}).status == 200);
    check_refused(api.post("/api/coupons/42", kBody), 401, "UNAUTHORIZED", "Header");
    check_refused(api.post("/api/coupons/42", kBody, {{"X-User-Id", ""}}), 401, "UNAUTHORIZED", "Header");
    const auto other = api.post("/api/coupons/42", kBody, {{"X-User-Id", "43"}});
    CHECK(other.status == 403);
    CHECK(str(json_of(other), "code") == "FORBIDDEN");
    CHECK(api.get("/api/users/42/coupons", {{"X-User-Id", "42"}}).status == 200);
    CHECK(api.get("/api/users/42/coupons", {{"X-User-Id", "042"}}).status == 403);
    CHECK(api.sink.submitted().size() == 1);
}

TEST_CASE("auth.mode none keeps today's open routes", "[http][auth]") {
    ApiHarness api;
    decide_issued(api);
    CHECK(api.post("/api/coupons/42", kBody).status == 200);
    CHECK(api.post("/api/coupons/42", kBody, bearer("garbage")).status == 200);
}
