// Bad input against the real server: each gets its status and a JSON error body, and nothing else breaks.
#include <catch2/catch.hpp>

#include <csignal>
#include <thread>

#include "e2e_fixture.hpp"

using namespace coupon::test;

namespace {

void check_error(const HttpReply& reply, int status, const std::string& code = "") {
    INFO(reply.status << " " << reply.body);
    CHECK(reply.status == status);
    CHECK(reply.header("content-type").starts_with("application/json"));
    const auto body = json_of(reply);
    CHECK_FALSE(str(body, "code").empty());
    CHECK_FALSE(str(body, "message").empty());
    if (!code.empty()) CHECK(str(body, "code") == code);
}

}  // namespace

TEST_CASE("bad requests get the right status and a JSON error", "[e2e]") {
    RunningServer server;
    const std::int64_t policy = server.create_policy(5);
    const std::string good = R"({"couponPolicyId":)" + std::to_string(policy) + "}";

    check_error(server.post("/api/coupons/0", good), 400);
    check_error(server.post("/api/coupons/-5", good), 400);
    check_error(server.post("/api/coupons/abc", good), 400);
    check_error(server.post("/api/coupons/99999999999999999999", good), 400);
    check_error(server.post("/api/coupons/1", "{not json"), 400);
    check_error(server.post("/api/coupons/1", "{}"), 400);
    check_error(server.post("/api/coupons/1", R"({"couponPolicyId":"x"})"), 400);
    check_error(server.post("/api/coupons/1", std::string(64 * 1024, ' ') + good), 413);
    check_error(http(server.port, {"DELETE", "/api/coupons/1", "", {}}), 405);
    check_error(server.get("/api/nothing-here"), 404);
    check_error(server.get("/api/coupon-policies/424242"), 404, "COUPON_POLICY_NOT_FOUND");
    check_error(server.post("/api/coupon-policies", R"({"name":"x","totalQuantity":1})"), 401);
    check_error(server.admin_post("/api/coupon-policies", R"({"name":"x","totalQuantity":0})"), 400);
    check_error(http_raw(server.port, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(64 * 1024, 'a') + "\r\n\r\n"),
                431);
    check_error(http_raw(server.port, "NONSENSE\r\n\r\n"), 400);

    // An unknown policy is decided by the consumer (the rule lives in the domain) and comes back as 404.
    check_error(server.post("/api/coupons/1", R"({"couponPolicyId":777777})"), 404, "COUPON_POLICY_NOT_FOUND");

    // The server still serves normal requests after all of that.
    const auto ok = server.post("/api/coupons/1", good);
    INFO(ok.body);
    CHECK(ok.status == 200);
    check_error(server.post("/api/coupons/1", good), 409, "COUPON_ALREADY_ISSUED");
    CHECK(server.get("/health").status == 200);
    CHECK(server.get("/ready").status == 200);
    CHECK(server.get("/metrics").body.find("coupon_") != std::string::npos);
    CHECK(server.process->stop(SIGTERM) == 0);
}

TEST_CASE("async requests, status by id, and outcomes that survive a restart", "[e2e]") {
    RunningServer server;
    const std::int64_t policy = server.create_policy(1);
    const std::string body = R"({"couponPolicyId":)" + std::to_string(policy) + "}";

    const auto accepted = server.post("/api/coupons/7", body, {{"Prefer", "respond-async"}});
    REQUIRE(accepted.status == 202);
    const std::string id = str(json_of(accepted), "requestId");
    REQUIRE_FALSE(id.empty());
    // The status URL says where the broker stored it (?at=<partition>-<offset>).
    const std::string location = accepted.header("location");
    CHECK(location.rfind("/api/coupon-requests/" + id + "?at=", 0) == 0);
    CHECK(str(json_of(accepted), "statusUrl") == location);
    CHECK_FALSE(accepted.header("retry-after").empty());

    std::string status;
    int asked = 0;  // both the status URL with its place and the plain one answer
    (void)eventually(
        [&] {
            status = str(json_of(server.get(asked++ % 2 ? location : "/api/coupon-requests/" + id)), "status");
            return !status.empty() && status != "PENDING";
        },
        std::chrono::seconds(10), std::chrono::milliseconds(100));
    CHECK(status == "ISSUED");
    const auto sold_out = server.post("/api/coupons/8", body);
    CHECK(sold_out.status == 409);
    CHECK(str(json_of(sold_out), "code") == "COUPON_SOLD_OUT");

    REQUIRE(server.process->stop(SIGTERM) == 0);
    server.start();
    CHECK(str(json_of(server.get("/api/coupon-requests/" + id)), "status") == "ISSUED");
    CHECK(str(json_of(server.get(location)), "status") == "ISSUED");
    const auto coupons = json_of(server.get("/api/users/7/coupons"));
    CHECK(coupons.at("coupons").as_array().size() == 1);
    // The restarted node knows the policy is sold out from the database, before any Kafka traffic.
    const auto again = server.post("/api/coupons/9", body);
    CHECK(again.status == 409);
    CHECK(str(json_of(again), "requestId").empty());
    CHECK(server.get("/api/coupon-requests/no-such-request").status == 404);
}

TEST_CASE("the command line: help, version, and a bad configuration named at start", "[e2e]") {
    TempDir dir;
    {
        ServerProcess help({"--help"}, {}, dir.path() + "/help.log");
        CHECK(help.stop(0) == 0);
        CHECK(help.log().find("COUPON_KAFKA_BOOTSTRAP_SERVERS") != std::string::npos);
    }
    {
        ServerProcess version({"--version"}, {}, dir.path() + "/version.log");
        CHECK(version.stop(0) == 0);
        CHECK(version.log().find("coupon-server") != std::string::npos);
    }
    {
        ServerProcess bad({}, {{"COUPON_HTTP_PORT", "http"}}, dir.path() + "/bad.log");
        CHECK(bad.stop(0) == 2);
        CHECK(bad.log().find("http.port") != std::string::npos);
    }
}
