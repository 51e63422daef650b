// The embedded broker is memory only: a node stopping with accepted requests still on its issue, retry or
// dead-letter topics would lose them. On SIGTERM it refuses new requests (503) and first lets its consumers
// take what is left (bounded by server.shutdown_timeout_ms), so a restart on the same database finds every
// 202 with its outcome.
#include <catch2/catch.hpp>

#include <csignal>
#include <thread>

#include "e2e_fixture.hpp"

using namespace coupon::test;
using namespace std::chrono_literals;

TEST_CASE("SIGTERM drains the embedded broker: every accepted request has its outcome after a restart",
          "[e2e][drain]") {
    const std::map<std::string, std::string> env{
        {"COUPON_DATABASE_BUSY_TIMEOUT_MS", "200"},
        {"COUPON_KAFKA_RETRY_DELAY_MS", "2000"},  // retry-1000 due 2 s after the failure, retry-2000 4 s more
        {"COUPON_SERVER_SHUTDOWN_TIMEOUT_MS", "20000"},
    };
    RunningServer server(env);
    constexpr std::int64_t kStock = 40;
    const std::int64_t policy = server.create_policy(kStock);
    const std::string body = R"({"couponPolicyId":)" + std::to_string(policy) + "}";
    // The late request claims from a policy with stock left: the first one may be sold out by then, and its
    // edge answers 409 COUPON_SOLD_OUT without producing anything, which says nothing about the drain.
    const std::string open_body = R"({"couponPolicyId":)" + std::to_string(server.create_policy(1000)) + "}";

    // Accepted while the database refuses writes: the consumers move them to the retry topics, where they
    // wait for their due time. That is the backlog a SIGTERM finds.
    constexpr int kRequests = 120;
    std::vector<std::string> accepted;
    std::thread lock = server.database->refuse_writes_in_background(3s);
    for (int user = 1; user <= kRequests; ++user) {
        const auto reply = server.post("/api/coupons/" + std::to_string(user), body, {{"Prefer", "respond-async"}});
        REQUIRE(reply.status == 202);
        accepted.push_back(str(json_of(reply), "requestId"));
    }
    lock.join();
    REQUIRE(server.database->count("SELECT COUNT(*) FROM coupon_issue_request") < kRequests);

    const auto sent = std::chrono::steady_clock::now();
    REQUIRE(::kill(server.process->pid(), SIGTERM) == 0);
    const bool draining = server.process->wait_for_log("refusing new requests (503)", 10s);
    CHECK(draining);
    if (draining) {
        // While it drains, new requests are refused with 503 (and a Retry-After), not queued to be lost.
        const auto late = server.post("/api/coupons/99999", open_body, {{"Prefer", "respond-async"}});
        if (late.status != 0) {  // 0: the drain already ended and the listener is closed
            CHECK(late.status == 503);
            CHECK_FALSE(late.header("retry-after").empty());
        }
        const auto ready = server.get("/ready");
        if (ready.status != 0) CHECK(ready.status == 503);
    }
    CHECK(server.process->stop(SIGTERM, 40s) == 0);
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - sent);
    const std::string log = server.process->log();
    INFO(log);
    CHECK(log.find("embedded broker drained in") != std::string::npos);
    CHECK(log.find("still unconsumed") == std::string::npos);
    WARN("SIGTERM to exit: " << took.count() << " ms");

    // A new node on the same database (and a fresh, empty embedded broker).
    server.start(env);
    CHECK(server.database->count("SELECT COUNT(*) FROM coupon_issue_request") == kRequests);
    int issued = 0, sold_out = 0, other = 0;
    for (const auto& id : accepted) {
        const std::string status = str(json_of(server.get("/api/coupon-requests/" + id)), "status");
        if (status == "ISSUED") {
            ++issued;
        } else if (status == "SOLD_OUT") {
            ++sold_out;
        } else {
            ++other;
            UNSCOPED_INFO(id << ": " << status);
        }
    }
    CHECK(other == 0);
    CHECK(issued == kStock);
    CHECK(sold_out == kRequests - kStock);
    CHECK(server.database->count("SELECT COUNT(DISTINCT user_id) FROM coupon") == kStock);
    CHECK(server.process->stop(SIGTERM) == 0);
}

TEST_CASE("SIGTERM with the database down: the drain ends at the stop timeout and says how many records are lost",
          "[e2e][drain]") {
    RunningServer server(std::map<std::string, std::string>{
        {"COUPON_DATABASE_BUSY_TIMEOUT_MS", "200"},
        {"COUPON_KAFKA_RETRY_DELAY_MS", "2000"},
        {"COUPON_SERVER_SHUTDOWN_TIMEOUT_MS", "2000"},
    });
    const std::int64_t policy = server.create_policy(10);
    const std::string body = R"({"couponPolicyId":)" + std::to_string(policy) + "}";
    std::thread lock = server.database->refuse_writes_in_background(9s);
    for (int user = 1; user <= 30; ++user) {
        REQUIRE(server.post("/api/coupons/" + std::to_string(user), body, {{"Prefer", "respond-async"}}).status == 202);
    }
    const auto sent = std::chrono::steady_clock::now();
    CHECK(server.process->stop(SIGTERM, 20s) == 0);
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - sent);
    lock.join();
    const std::string log = server.process->log();
    INFO(log);
    // The drain waits 2 s at most; the rest of the stop is bounded too (the lock outlasts it).
    WARN("SIGTERM to exit with the database locked: " << took.count() << " ms");
    CHECK(took < 9s);
    CHECK(log.find("drained in") == std::string::npos);
    // A request counts once per copy: in transit between two topics it is in both.
    const auto at = log.find("stopping with ");
    REQUIRE(at != std::string::npos);
    CHECK(std::stoi(log.substr(at + 14)) >= 30);
    CHECK(log.find("still unconsumed on the embedded broker", at) != std::string::npos);
}
