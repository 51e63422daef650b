// A locked database against the real server (both backends): the requests that need the database wait or
// fail cleanly on the blocking pool, while the Kafka-only issue path and /health answer at once.
#include <catch2/catch.hpp>

#include <chrono>
#include <future>
#include <thread>
#include <vector>

#include "e2e_fixture.hpp"

using namespace coupon::test;
using namespace std::chrono_literals;

TEST_CASE("a locked database holds the requests that need it, not Prefer: respond-async POSTs or /health",
          "[e2e][blocking]") {
    RunningServer server(std::map<std::string, std::string>{{"COUPON_DATABASE_BUSY_TIMEOUT_MS", "3000"}});
    const std::int64_t policy = server.create_policy(100);
    const std::string body = R"({"couponPolicyId":)" + std::to_string(policy) + "}";
    REQUIRE(server.post("/api/coupons/1", body).status == 200);

    // SQLite: an exclusive lock (writes wait for busy_timeout); PostgreSQL: ACCESS EXCLUSIVE on coupon_policy
    // (writes and reads of policies wait for lock_timeout).
    std::thread lock = server.database->refuse_writes_in_background(7s);

    // More database-bound requests than I/O threads (2): on the I/O threads they would hold them all.
    std::vector<std::future<HttpReply>> stuck;
    for (int i = 0; i < 6; ++i) {
        stuck.push_back(std::async(std::launch::async, [&, i] {
            if (i % 2 == 1) return server.get("/api/coupon-policies/" + std::to_string(policy));
            return server.admin_post("/api/coupon-policies", R"({"name":"during the lock","totalQuantity":5})");
        }));
    }
    std::this_thread::sleep_for(500ms);  // they reached the server and wait for the database

    std::vector<std::string> accepted;
    for (int user = 2; user <= 4; ++user) {
        const auto started = std::chrono::steady_clock::now();
        const auto reply = http(server.port, {"POST", "/api/coupons/" + std::to_string(user), body,
                                              {{"Prefer", "respond-async"}}}, 5000);
        const auto took = std::chrono::steady_clock::now() - started;
        INFO(reply.status << " after " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                          << " ms: " << reply.body);
        CHECK(reply.status == 202);
        CHECK(took < 1500ms);  // a busy timeout (3 s) would show here if an I/O thread were waiting
        accepted.push_back(str(json_of(reply), "requestId"));
    }
    const auto started = std::chrono::steady_clock::now();
    CHECK(http(server.port, {"GET", "/health", "", {}}, 5000).status == 200);
    CHECK(std::chrono::steady_clock::now() - started < 1000ms);

    for (auto& reply : stuck) {
        const auto answer = reply.get();
        INFO(answer.status << " " << answer.body);
        // Each waited for the database: served, or a clean 503 with a JSON error when the wait ran out.
        CHECK((answer.status == 200 || answer.status == 201 || answer.status == 503));
        if (answer.status == 503) CHECK(str(json_of(answer), "code") == "DATABASE_UNAVAILABLE");
    }
    lock.join();

    // And the accepted requests are decided once the database is back.
    for (const auto& id : accepted) {
        REQUIRE_FALSE(id.empty());
        INFO("request " << id);
        CHECK(final_status(server, id) == "ISSUED");
    }
}
