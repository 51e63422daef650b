// Handlers that reach the database run on the blocking pool: a database that does not answer holds the
// requests that need it, never the I/O threads (so not /health, /metrics or the Kafka-only issue path).
#include <catch2/catch.hpp>

#include <future>
#include <vector>

#include "test_doubles.hpp"

using namespace coupon::http;
using namespace coupon::http::test;

namespace {

// Lets a held database go at the end of the test whatever happened, so the server can stop.
struct ReleaseAtEnd {
    MapQueries& queries;
    ~ReleaseAtEnd() { queries.release(); }
};

Reply get_within(const ApiHarness& api, const std::string& target, std::chrono::milliseconds timeout) {
    return call(api.port, "GET", target, {}, {}, timeout);
}

HttpConfig pool_config(std::size_t threads, std::size_t queue) {
    auto config = test_config();
    config.threads = 2;
    config.blocking_threads = threads;
    config.blocking_queue = queue;
    return config;
}

}  // namespace

TEST_CASE("a database that does not answer delays only the requests that need it", "[http][blocking]") {
    ApiHarness api(pool_config(2, 16));
    api.queries.policies[7] = {};
    api.queries.hold();
    ReleaseAtEnd release{api.queries};

    // More stuck reads than there are I/O threads: on an I/O thread they would hold every one of them.
    std::vector<std::future<Reply>> stuck;
    for (const char* target : {"/api/coupon-requests/r-1", "/api/users/42/coupons", "/api/coupon-policies/7",
                               "/api/users/43/coupons", "/api/coupon-requests/r-2", "/api/users/44/coupons"}) {
        stuck.push_back(std::async(std::launch::async, [&api, target] { return get_within(api, target, 10s); }));
    }
    REQUIRE(eventually([&] { return api.queries.held_calls() == 2; }, 3s));  // both pool threads are stuck

    const auto health = call(api.port, "GET", "/health", {}, {}, 2s);
    CHECK(health.status == 200);
    CHECK(call(api.port, "GET", "/metrics", {}, {}, 2s).status == 200);
    const auto issued = call(api.port, "POST", "/api/coupons/42", R"({"couponPolicyId":7})",
                             {{"Prefer", "respond-async"}}, 2s);
    CHECK(issued.status == 202);
    for (auto& reply : stuck) CHECK(reply.wait_for(0s) == std::future_status::timeout);  // still waiting

    api.queries.release();
    for (auto& reply : stuck) {
        const auto answer = reply.get();
        INFO(answer.body);
        CHECK((answer.status == 200 || answer.status == 404));
    }
}

TEST_CASE("a full blocking queue answers 503 SERVICE_BUSY with Retry-After at once", "[http][blocking]") {
    ApiHarness api(pool_config(1, 1));
    api.queries.hold();
    ReleaseAtEnd release{api.queries};
    auto running = std::async(std::launch::async, [&api] { return get_within(api, "/api/users/1/coupons", 10s); });
    REQUIRE(eventually([&] { return api.queries.held_calls() == 1; }, 3s));
    auto queued = std::async(std::launch::async, [&api] { return get_within(api, "/api/users/2/coupons", 10s); });
    std::this_thread::sleep_for(300ms);  // time for it to reach the queue (loopback)

    const auto refused = call(api.port, "GET", "/api/users/3/coupons", {}, {}, 2s);
    INFO(refused.body);
    CHECK(refused.status == 503);
    CHECK(str(json_of(refused), "code") == "SERVICE_BUSY");
    CHECK_FALSE(str(json_of(refused), "message").empty());
    CHECK(refused.header("retry-after") == "1");

    api.queries.release();
    CHECK(running.get().status == 200);
    CHECK(queued.get().status == 200);
}

TEST_CASE("a store failure on the blocking pool still answers 503 DATABASE_UNAVAILABLE", "[http][blocking]") {
    ApiHarness api;
    api.queries.failing = true;
    const auto reply = api.get("/api/users/42/coupons");
    CHECK(reply.status == 503);
    CHECK(str(json_of(reply), "code") == "DATABASE_UNAVAILABLE");
}
