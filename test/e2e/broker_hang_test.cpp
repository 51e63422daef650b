// A broker that hangs or dies under a running server (DESIGN.md section 5, docs/request-states.md): the
// POST answers within http.issue_wait_ms whatever the broker does; 503 only when the record is known not
// stored; otherwise 202 UNCONFIRMED, and the request's status later tells what became of it.
// The broker is a `coupon-server broker` process of the test's own (the shared embedded broker of
// scripts/cluster), so the test can pause it (SIGSTOP) or kill it while the server runs.
#include <catch2/catch.hpp>

#include <signal.h>

#include <chrono>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

#include "e2e_fixture.hpp"
#include "shared_broker.hpp"

using namespace coupon::test;
using namespace std::chrono_literals;

namespace {

struct Timed {
    HttpReply reply;
    std::chrono::milliseconds took{0};
};

Timed timed_post(const RunningServer& server, const std::string& target, const std::string& body,
                 std::map<std::string, std::string> headers, int timeout_ms) {
    const auto started = std::chrono::steady_clock::now();
    Timed out;
    out.reply = http(server.port, {"POST", target, body, std::move(headers)}, timeout_ms);
    out.took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    return out;
}

std::string status_of(const RunningServer& server, const std::string& id) {
    return str(json_of(server.get("/api/coupon-requests/" + id)), "status");
}

// Polls the request's status until it is neither UNCONFIRMED nor PENDING (or the deadline); returns it.
std::string settled_status(const RunningServer& server, const std::string& id, std::chrono::seconds limit) {
    std::string status;
    (void)eventually(
        [&] {
            status = status_of(server, id);
            return status != "UNCONFIRMED" && status != "PENDING";
        },
        limit, 100ms);
    return status;
}

void check_unconfirmed(const Timed& answer, std::chrono::milliseconds bound) {
    INFO(answer.reply.status << " after " << answer.took.count() << " ms: " << answer.reply.body);
    CHECK(answer.reply.status == 202);
    CHECK(answer.took < bound);
    const auto body = json_of(answer.reply);
    CHECK(str(body, "status") == "UNCONFIRMED");
    CHECK_FALSE(str(body, "requestId").empty());
    CHECK(answer.reply.header("location") == "/api/coupon-requests/" + str(body, "requestId"));
    CHECK_FALSE(answer.reply.header("retry-after").empty());
}

constexpr auto kMargin = 2000ms;  // the server's answer after its deadline, on a loaded 2-core machine

}  // namespace

TEST_CASE("a paused broker: the POST answers UNCONFIRMED within issue_wait, and is decided once it resumes",
          "[e2e][broker]") {
    SharedBroker broker;
    constexpr auto kWait = 1500ms;
    RunningServer server(broker.env({{"COUPON_HTTP_ISSUE_WAIT_MS", std::to_string(kWait.count())}}));
    const std::int64_t policy = server.create_policy(10);
    const std::string body = R"({"couponPolicyId":)" + std::to_string(policy) + "}";
    const auto warm = server.post("/api/coupons/1", body);  // producer connected, consumers assigned
    REQUIRE(warm.status == 200);

    broker.pause();
    const int bound_ms = static_cast<int>((kWait + kMargin).count());
    auto sync = std::async(std::launch::async,
                           [&] { return timed_post(server, "/api/coupons/2", body, {}, bound_ms + 1000); });
    auto async = std::async(std::launch::async, [&] {
        return timed_post(server, "/api/coupons/3", body, {{"Prefer", "respond-async"}}, bound_ms + 1000);
    });
    const Timed first = sync.get();
    const Timed second = async.get();
    const std::string first_id = str(json_of(first.reply), "requestId");
    const std::string second_id = str(json_of(second.reply), "requestId");
    const std::string while_paused = first_id.empty() ? "" : status_of(server, first_id);
    broker.resume();

    check_unconfirmed(first, kWait + kMargin);
    check_unconfirmed(second, kWait + kMargin);
    CHECK(while_paused == "UNCONFIRMED");
    // Once the broker answers, each request ends decided (the broker stored it) or NOT_QUEUED: never stuck.
    for (const auto& id : {first_id, second_id}) {
        INFO("request " << id << "\n" << server.process->log());
        REQUIRE_FALSE(id.empty());
        const std::string status = settled_status(server, id, 60s);
        CHECK((status == "ISSUED" || status == "NOT_QUEUED"));
    }
    CHECK(server.post("/api/coupons/4", body).status == 200);  // the node serves normally again
}

TEST_CASE("a dead broker: 503 when the producer knows it stored nothing, NOT_QUEUED after an UNCONFIRMED",
          "[e2e][broker]") {
    SECTION("the delivery report comes within issue_wait: 503 with Retry-After") {
        SharedBroker broker;
        RunningServer server(broker.env(
            {{"COUPON_HTTP_ISSUE_WAIT_MS", "6000"}, {"COUPON_KAFKA_PRODUCER_DELIVERY_TIMEOUT_MS", "1500"}}));
        const std::int64_t policy = server.create_policy(10);
        const std::string body = R"({"couponPolicyId":)" + std::to_string(policy) + "}";
        broker.kill();
        const Timed answer = timed_post(server, "/api/coupons/1", body, {}, 6000 + 3000);
        INFO(answer.reply.status << " after " << answer.took.count() << " ms: " << answer.reply.body);
        CHECK(answer.reply.status == 503);
        CHECK(str(json_of(answer.reply), "code") == "BROKER_UNAVAILABLE");
        CHECK_FALSE(answer.reply.header("retry-after").empty());
        CHECK(answer.took < 6000ms);
    }
    SECTION("the delivery report comes after issue_wait: UNCONFIRMED, then NOT_QUEUED") {
        SharedBroker broker;
        constexpr auto kWait = 1000ms;
        RunningServer server(broker.env({{"COUPON_HTTP_ISSUE_WAIT_MS", std::to_string(kWait.count())},
                                         {"COUPON_KAFKA_PRODUCER_DELIVERY_TIMEOUT_MS", "4000"}}));
        const std::int64_t policy = server.create_policy(10);
        const std::string body = R"({"couponPolicyId":)" + std::to_string(policy) + "}";
        broker.kill();
        const int bound_ms = static_cast<int>((kWait + kMargin).count());
        const Timed answer = timed_post(server, "/api/coupons/1", body, {}, bound_ms + 1000);
        check_unconfirmed(answer, kWait + kMargin);
        const std::string id = str(json_of(answer.reply), "requestId");
        REQUIRE_FALSE(id.empty());
        CHECK(status_of(server, id) == "UNCONFIRMED");
        INFO(server.process->log());
        CHECK(settled_status(server, id, 30s) == "NOT_QUEUED");
    }
}

TEST_CASE("SQLite commits survive an OS crash (synchronous=FULL) when the records outlive the process",
          "[e2e][durability]") {
    // With a broker that outlives the process, offsets may be committed after an outcome that an OS crash
    // would otherwise lose; with its own embedded broker a restart loses the records anyway (NORMAL is enough).
    SharedBroker broker;
    RunningServer shared(broker.env({}));
    CHECK(shared.process->log().find("synchronous=FULL") != std::string::npos);
    RunningServer own;
    CHECK(own.process->log().find("synchronous=NORMAL") != std::string::npos);
}
