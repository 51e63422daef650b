// log.format=json on the real server: every line it writes, the librdkafka lines routed into the log
// included, is one JSON object with time, level, component and message.
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <map>
#include <sstream>
#include <string>

#include "http_client.hpp"
#include "server_process.hpp"
#include "temp_dir.hpp"

using namespace coupon::test;

TEST_CASE("log.format json: every line of a real server's log is a JSON object", "[http][log]") {
    TempDir dir;
    auto env = embedded_server_env(dir.path() + "/data", "log-format-admin-token");
    env["COUPON_LOG_FORMAT"] = "json";
    ServerProcess server({}, env, dir.path() + "/server.log", true);
    const auto port = server.wait_ready();
    REQUIRE(port != 0);
    // A refused request logs a WARN with the client's bytes in it.
    CHECK(http(port, {"POST", "/api/coupons/1", "{\"couponPolicyId\": \"x\\\"y\"}", {}}).status == 400);
    (void)http(port, {"GET", "/api/coupon-policies/1", "", {{"Authorization", "Bearer wrong\"token"}}});
    // A line about one policy carries its id as a member of its own (log::Fields), not only in the message.
    const auto created = http(port, {"POST", "/api/coupon-policies", R"({"name":"logged","totalQuantity":3})",
                                     {{"Authorization", "Bearer log-format-admin-token"}}});
    REQUIRE(created.status == 201);
    const auto policy_id = boost::json::parse(created.body).as_object().at("id").as_int64();

    std::istringstream lines(server.log());
    std::string line;
    int count = 0;
    int policy_lines = 0;
    while (std::getline(lines, line)) {
        INFO(line);
        boost::system::error_code ec;
        const auto value = boost::json::parse(line, ec);
        REQUIRE_FALSE(ec);
        REQUIRE(value.is_object());
        for (const char* key : {"time", "level", "component", "message"}) CHECK(value.as_object().contains(key));
        if (const auto* id = value.as_object().if_contains("policyId")) {
            CHECK(id->as_int64() == policy_id);
            CHECK(value.as_object().at("message").as_string().starts_with("coupon policy created"));
            ++policy_lines;
        }
        ++count;
    }
    CHECK(count > 5);
    CHECK(policy_lines == 1);
}
