// The edge limits in the real server process, configured through the environment: the per-address limit
// refuses with 429, the refusals are counted, and the log gets one line for a burst of refusals.
#include <catch2/catch.hpp>

#include <csignal>
#include <map>
#include <memory>
#include <string>

#include "http_client.hpp"
#include "server_process.hpp"
#include "temp_dir.hpp"

using namespace coupon::test;

namespace {

std::size_t count_of(const std::string& text, const std::string& needle) {
    std::size_t count = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++count;
    return count;
}

}  // namespace

TEST_CASE("a per-address limit set in the environment: 429s, counted, logged once per burst",
          "[http][process][limits]") {
    TempDir dir;
    auto env = embedded_server_env(dir.path() + "/data", "");
    env["COUPON_AUTH_MODE"] = "none";
    env["COUPON_HTTP_LIMITS_PER_ADDRESS_RATE"] = "0.001";  // no token comes back during the test
    env["COUPON_HTTP_LIMITS_PER_ADDRESS_BURST"] = "2";
    auto server = std::make_unique<ServerProcess>(std::vector<std::string>{}, env, dir.path() + "/server.log", true);
    const auto port = server->wait_ready();
    if (port == 0) FAIL("server did not become ready; log:\n" << server->log());

    const HttpCall claim{"POST", "/api/coupons/42", R"({"couponPolicyId":1})", {}};
    // The first two go through (no such policy: decided by the consumer), the rest are refused at the edge.
    for (int i = 0; i < 2; ++i) CHECK(http(port, claim).status != 429);
    for (int i = 0; i < 18; ++i) {
        const auto reply = http(port, claim);
        INFO(reply.body);
        CHECK(reply.status == 429);
        // One token at 0.001/s is up to 1,000 s away (less the time the first two took).
        const auto retry_after = std::stoi(reply.header("retry-after"));
        CHECK(retry_after > 900);
        CHECK(retry_after <= 1000);
        CHECK(reply.body.find(R"("code":"TOO_MANY_REQUESTS")") != std::string::npos);
    }
    const auto metrics = http(port, {"GET", "/metrics", "", {}}).body;
    CHECK(metrics.find("coupon_http_rate_limited_total{limit=\"address\"} 18") != std::string::npos);
    CHECK(metrics.find("coupon_http_rate_limited_total{limit=\"user\"} 0") != std::string::npos);

    CHECK(server->stop(SIGTERM) == 0);
    const auto log = server->log();
    INFO(log);
    CHECK(log.find("edge limit per address: 0.001/s, burst 2") != std::string::npos);
    // 18 refusals within the 10 s budget: one line, naming the address.
    CHECK(count_of(log, "edge limit: address 127.0.0.1 refused") == 1);
}
