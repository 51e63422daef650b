// auth.mode and secrets against the real coupon-server process: its start-up log says which mode guards
// the claims, a JWT is checked end to end, and no configured secret (database password, librdkafka
// property, admin token, JWT key, webhook credentials) ever appears in its log.
#include <catch2/catch.hpp>

#include <csignal>
#include <map>
#include <memory>
#include <string>

#include "http_client.hpp"
#include "server_process.hpp"
#include "temp_dir.hpp"
#include "test_tokens.hpp"

using namespace coupon::test;

namespace {

const std::string kAdminToken = "process-test-admin-token-0123";

std::map<std::string, std::string> base_env(const TempDir& dir) { return embedded_server_env(dir.path() + "/data", kAdminToken); }

std::uint16_t listening_port(const ServerProcess& process) {
    if (!process.wait_for_log("HTTP listening on", std::chrono::seconds(60))) return 0;
    const auto log = process.log();
    const auto at = log.find("HTTP listening on");
    const auto colon = log.find(':', log.find(' ', at + 17) + 1);
    return static_cast<std::uint16_t>(std::stoi(log.substr(colon + 1)));
}

}  // namespace

TEST_CASE("auth.mode none is a start-up warning, jwt mode checks tokens end to end", "[http][auth][process]") {
    {
        TempDir dir;
        auto env = base_env(dir);
        ServerProcess server({}, env, dir.path() + "/none.log", true);
        REQUIRE(server.wait_ready() != 0);
        const auto log = server.log();
        CHECK(log.find("WARN  [auth] auth.mode is none") != std::string::npos);
        CHECK(server.stop(SIGTERM) == 0);
    }
    TempDir dir;
    auto env = base_env(dir);
    env["COUPON_AUTH_MODE"] = "jwt";
    env["COUPON_AUTH_JWT_SECRET"] = kTestJwtSecret;
    ServerProcess server({}, env, dir.path() + "/jwt.log", true);
    const auto port = server.wait_ready();
    REQUIRE(port != 0);
    const std::string body = R"({"couponPolicyId":1})";
    const auto token = sign_jwt("HS256", kTestJwtSecret,
                                R"({"sub":"42","exp":)" + std::to_string(unix_now() + 300) + "}");
    const auto missing = http(port, {"POST", "/api/coupons/42", body, {}});
    CHECK(missing.status == 401);
    CHECK(missing.header("www-authenticate").find("Bearer") == 0);
    CHECK(http(port, {"POST", "/api/coupons/43", body, {{"Authorization", "Bearer " + token}}}).status == 403);
    // The policy does not exist: the claim went through auth to the consumer, which answers 404.
    const auto own = http(port, {"POST", "/api/coupons/42", body, {{"Authorization", "Bearer " + token}}});
    INFO(own.body);
    CHECK((own.status == 404 || own.status == 202));
    // A wrong admin token: 401, a WARN line, and the counter.
    const auto wrong_admin = http(port, {"POST", "/api/coupon-policies", R"({"name":"x","totalQuantity":1})",
                                         {{"Authorization", "Bearer wrong-admin-token-guess"}}});
    CHECK(wrong_admin.status == 401);
    CHECK(server.wait_for_log("WARN  [auth] admin POST /api/coupon-policies refused", std::chrono::seconds(5)));
    CHECK(http(port, {"GET", "/metrics", "", {}}).body.find("coupon_http_admin_auth_failures_total 1") !=
          std::string::npos);
    const auto log = server.log();
    CHECK(log.find("wrong-admin-token-guess") == std::string::npos);
    CHECK(log.find("auth.mode jwt") != std::string::npos);
    CHECK(log.find("refused") != std::string::npos);  // the refusals are logged
    CHECK(log.find(kTestJwtSecret) == std::string::npos);
    CHECK(log.find(token) == std::string::npos);
    CHECK(server.stop(SIGTERM) == 0);
}

TEST_CASE("no secret reaches the log: database password with '/', librdkafka secrets, webhook credentials",
          "[http][process][redact]") {
    TempDir dir;
    auto env = base_env(dir);
    // Nothing listens on port 1: the node starts without its database and logs why, URL included.
    env["COUPON_DATABASE_URL"] = "postgresql://app:pa/ss@w0rd@127.0.0.1:1/coupons?connect_timeout=2";
    env["COUPON_KAFKA_PROPERTIES"] = "sasl.password=kafka-s3cr3t,sasl.username=app";
    env["COUPON_KAFKA_DEAD_LETTER_WEBHOOK"] = "http://hook:hook-t0k3n@127.0.0.1:1/dead-letters";
    env["COUPON_LOG_LEVEL"] = "debug";
    ServerProcess server({}, env, dir.path() + "/server.log", true);
    REQUIRE(listening_port(server) != 0);
    REQUIRE(server.wait_for_log("127.0.0.1:1", std::chrono::seconds(30)));  // the database URL was logged
    CHECK(server.stop(SIGTERM) == 0);
    const auto log = server.log();
    INFO(log.substr(0, 4000));
    CHECK(log.find("pa/ss") == std::string::npos);
    CHECK(log.find("w0rd") == std::string::npos);
    CHECK(log.find("kafka-s3cr3t") == std::string::npos);
    CHECK(log.find("hook-t0k3n") == std::string::npos);
    CHECK(log.find(kAdminToken) == std::string::npos);

    // A property librdkafka refuses is quoted in the start-up error, its secret value hidden.
    TempDir bad_dir;
    auto bad = base_env(bad_dir);
    bad["COUPON_KAFKA_PROPERTIES"] = "sasl.password.typo=pem-s3cr3t";
    ServerProcess refused({}, bad, bad_dir.path() + "/server.log", true);
    CHECK(refused.stop(0, std::chrono::seconds(60)) != 0);  // signal 0: only wait for the exit
    const auto refused_log = refused.log();
    INFO(refused_log);
    CHECK(refused_log.find("sasl.password.typo=***") != std::string::npos);
    CHECK(refused_log.find("pem-s3cr3t") == std::string::npos);
}

TEST_CASE("a too-short admin token stops the start with a clear error and no echo", "[http][process][admin]") {
    TempDir dir;
    auto env = base_env(dir);
    env["COUPON_ADMIN_TOKEN"] = "short-token";
    ServerProcess server({}, env, dir.path() + "/server.log", true);
    const int status = server.stop(0, std::chrono::seconds(30));  // signal 0: only wait for the exit
    CHECK(status != 0);
    const auto log = server.log();
    CHECK(log.find("admin.token") != std::string::npos);
    CHECK(log.find("at least 16") != std::string::npos);
    CHECK(log.find("short-token") == std::string::npos);
}
