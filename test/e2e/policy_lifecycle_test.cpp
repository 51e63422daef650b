// The policy lifecycle on real nodes (docs/policy-lifecycle.md): pause, resume, close, stock and window
// changes through the admin API, the outcomes claims get, the audit trail, and a node whose edge catalog
// must learn another node's change before it could answer wrongly.
#include <catch2/catch.hpp>

#include <atomic>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

#include "e2e_fixture.hpp"

using namespace coupon::test;

namespace {

const std::map<std::string, std::string> kAdmin{{"Authorization", std::string("Bearer ") + kAdminToken}};

std::string claim(std::int64_t policy) { return R"({"couponPolicyId":)" + std::to_string(policy) + "}"; }

// ISO 8601 UTC of now + `ahead`, at whole seconds.
std::string iso_in(std::chrono::seconds ahead) {
    const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() + ahead);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return text;
}

HttpReply admin(const RunningServer& s, const std::string& method, const std::string& target,
                const std::string& body = "") {
    return http(s.port, {method, target, body, kAdmin});
}

std::string code_of(const HttpReply& reply) { return str(json_of(reply), "code"); }

std::string policy_path(std::int64_t id) { return "/api/coupon-policies/" + std::to_string(id); }

}  // namespace

TEST_CASE("lifecycle: pause refuses claims with COUPON_ISSUE_PAUSED, resume issues again, close ends it, all audited",
          "[e2e][lifecycle]") {
    RunningServer server;
    const auto id = server.create_policy(5);

    // Admin only.
    CHECK(server.post(policy_path(id) + "/pause", "").status == 401);

    auto reply = admin(server, "POST", policy_path(id) + "/pause");
    INFO(reply.body);
    REQUIRE(reply.status == 200);
    CHECK(str(json_of(reply), "status") == "PAUSED");
    CHECK(admin(server, "POST", policy_path(id) + "/pause").status == 409);

    const auto paused = server.post("/api/coupons/1", claim(id));
    INFO(paused.body);
    CHECK(paused.status == 409);
    CHECK(code_of(paused) == "COUPON_ISSUE_PAUSED");
    const std::string paused_request = str(json_of(paused), "requestId");
    CHECK_FALSE(paused_request.empty());  // decided by the consumer, never at the edge
    CHECK(final_status(server, paused_request) == "PAUSED");

    REQUIRE(admin(server, "POST", policy_path(id) + "/resume").status == 200);
    const auto issued = server.post("/api/coupons/1", claim(id));
    INFO(issued.body);
    CHECK(issued.status == 200);
    CHECK(str(json_of(issued), "status") == "ISSUED");

    reply = admin(server, "POST", policy_path(id) + "/close");
    REQUIRE(reply.status == 200);
    CHECK(str(json_of(reply), "status") == "CLOSED");
    const auto closed = server.post("/api/coupons/2", claim(id));
    INFO(closed.body);
    CHECK(closed.status == 409);
    CHECK(code_of(closed) == "COUPON_ISSUE_CLOSED");
    const auto again = admin(server, "POST", policy_path(id) + "/resume");
    CHECK(again.status == 409);
    CHECK(code_of(again) == "POLICY_CLOSED");

    // The audit trail: three changes, who and from where, in order; refused ones left nothing.
    const auto changes = admin(server, "GET", policy_path(id) + "/changes");
    INFO(changes.body);
    REQUIRE(changes.status == 200);
    const auto items = json_of(changes).at("items").as_array();
    REQUIRE(items.size() == 3);
    CHECK(items[0].at("action").as_string() == "PAUSE");
    CHECK(items[1].at("action").as_string() == "RESUME");
    CHECK(items[2].at("action").as_string() == "CLOSE");
    CHECK(items[2].at("revision").as_int64() == 3);
    CHECK(items[2].at("before").at("status").as_string() == "ACTIVE");
    CHECK(items[2].at("after").at("status").as_string() == "CLOSED");
    CHECK(items[0].at("principal").as_string() == "admin-token");
    CHECK(items[0].at("remoteAddress").as_string() == "127.0.0.1");
    CHECK(server.database->count("SELECT COUNT(*) FROM coupon_policy_change WHERE coupon_policy_id = " +
                                 std::to_string(id)) == 3);
    CHECK(server.database->count("SELECT COUNT(*) FROM coupon") == 1);
}

TEST_CASE("lifecycle: stock and window change before the opening, are refused after it, and the list pages",
          "[e2e][lifecycle]") {
    RunningServer server;
    const auto later = server.create_policy(5, R"(,"issueStartAt":")" + iso_in(std::chrono::hours(1)) + "\"");
    const auto open = server.create_policy(5);

    auto reply = admin(server, "PATCH", policy_path(later), R"({"totalQuantity":3})");
    INFO(reply.body);
    REQUIRE(reply.status == 200);
    CHECK(json_of(reply).at("totalQuantity").as_int64() == 3);
    CHECK(json_of(reply).at("revision").as_int64() == 1);
    reply = admin(server, "PATCH", policy_path(later), R"({"issueStartAt":")" + iso_in(std::chrono::seconds(2)) + "\"}");
    CHECK(reply.status == 409);
    CHECK(code_of(reply) == "WINDOW_TOO_SOON");
    reply = admin(server, "PATCH", policy_path(later),
                  R"({"issueStartAt":")" + iso_in(std::chrono::hours(2)) + R"(","issueEndAt":")" +
                      iso_in(std::chrono::hours(1)) + "\"}");
    CHECK(reply.status == 400);
    CHECK(code_of(reply) == "INVALID_WINDOW");
    CHECK(admin(server, "PATCH", policy_path(later), R"({"totalQuantity":0})").status == 400);
    CHECK(admin(server, "PATCH", policy_path(later), "{}").status == 400);

    reply = admin(server, "PATCH", policy_path(open), R"({"totalQuantity":50})");
    INFO(reply.body);
    CHECK(reply.status == 409);
    CHECK(code_of(reply) == "POLICY_ALREADY_OPEN");
    CHECK(admin(server, "PATCH", policy_path(999999), R"({"totalQuantity":50})").status == 404);

    const auto first = admin(server, "GET", "/api/coupon-policies?limit=1");
    INFO(first.body);
    REQUIRE(first.status == 200);
    const auto page = json_of(first);
    REQUIRE(page.at("items").as_array().size() == 1);
    CHECK(page.at("items").as_array()[0].at("id").as_int64() == later);
    const auto next = admin(server, "GET", "/api/coupon-policies?limit=1&after=" +
                                               std::to_string(page.at("nextAfter").as_int64()));
    REQUIRE(next.status == 200);
    CHECK(json_of(next).at("items").as_array()[0].at("id").as_int64() == open);
    const auto rest = admin(server, "GET", "/api/coupon-policies?after=" + std::to_string(open));
    CHECK(json_of(rest).at("items").as_array().empty());
    CHECK(json_of(rest).at("nextAfter").is_null());
    CHECK(server.get("/api/coupon-policies").status == 401);
    CHECK(admin(server, "GET", "/api/coupon-policies?limit=0").status == 400);
}

TEST_CASE("lifecycle: a node's edge never answers NOT_OPEN from a window another node moved earlier",
          "[e2e][lifecycle][edge]") {
    RunningServer a;
    // A second node on the same database (its own embedded broker: only the database is shared here).
    RunningServer b({{"COUPON_DATABASE_URL", a.database->url()}});
    const auto id = a.create_policy(100, R"(,"issueStartAt":")" + iso_in(std::chrono::hours(1)) + "\"");

    // Node a knows the policy and answers NOT_OPEN itself.
    const auto early = a.post("/api/coupons/1", claim(id));
    INFO(early.body);
    REQUIRE(early.status == 409);
    REQUIRE(code_of(early) == "COUPON_ISSUE_NOT_OPEN");
    REQUIRE_FALSE(json_of(early).contains("requestId"));

    // Node b moves the opening to 12 s from now (the least lead is 10 s).
    const auto opening = std::chrono::system_clock::now() + std::chrono::seconds(12);
    const auto moved = admin(b, "PATCH", policy_path(id), R"({"issueStartAt":")" + iso_in(std::chrono::seconds(12)) + "\"}");
    INFO(moved.body);
    REQUIRE(moved.status == 200);

    // Claims on node a: NOT_OPEN is right before the new opening; from the opening on it would be wrong.
    int user = 100;
    std::string wrong;
    bool issued = false;
    const auto deadline = opening + std::chrono::seconds(20);
    while (!issued && std::chrono::system_clock::now() < deadline) {
        const bool opened = std::chrono::system_clock::now() >= opening + std::chrono::milliseconds(500);
        const auto reply = a.post("/api/coupons/" + std::to_string(++user), claim(id));
        if (reply.status == 200) issued = true;
        if (opened && code_of(reply) == "COUPON_ISSUE_NOT_OPEN") wrong = reply.body;
        if (!wrong.empty()) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    INFO("a claim after the new opening was refused: " << wrong);
    CHECK(wrong.empty());
    CHECK(issued);
}

TEST_CASE("lifecycle: a pause racing a flood of claims: no coupon is issued after the pause answered, resume issues again",
          "[e2e][lifecycle][race]") {
    RunningServer server;
    const auto id = server.create_policy(100'000);
    constexpr int kThreads = 4;
    constexpr int kPerThread = 150;
    std::atomic<int> sent{0};
    std::atomic<int> accepted{0};
    std::atomic<int> unexpected{0};
    std::vector<std::thread> flood;
    for (int t = 0; t < kThreads; ++t) {
        flood.emplace_back([&, t] {
            for (int i = 0; i < kPerThread; ++i) {
                const int user = 1000 + t * kPerThread + i;
                const auto reply = server.post("/api/coupons/" + std::to_string(user), claim(id),
                                               {{"Prefer", "respond-async"}});
                sent.fetch_add(1);
                if (reply.status == 202 || reply.status == 200 || reply.status == 409) {
                    accepted.fetch_add(1);
                } else {
                    unexpected.fetch_add(1);
                }
            }
        });
    }
    while (sent.load() < kThreads * kPerThread / 3) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const auto paused = admin(server, "POST", policy_path(id) + "/pause");
    REQUIRE(paused.status == 200);
    // Every batch commits before or after the pause: the coupons now out are all there will be while paused.
    const long long issued_at_pause = server.database->count("SELECT COUNT(*) FROM coupon");
    for (auto& t : flood) t.join();
    CHECK(unexpected.load() == 0);
    // Wait for every accepted claim's outcome.
    const bool decided = eventually(
        [&] { return server.database->count("SELECT COUNT(*) FROM coupon_issue_request") >= accepted.load(); },
        std::chrono::seconds(60), std::chrono::milliseconds(200));
    REQUIRE(decided);
    CHECK(server.database->count("SELECT COUNT(*) FROM coupon") == issued_at_pause);
    CHECK(server.database->count("SELECT COUNT(*) FROM coupon_issue_request WHERE outcome = 'ISSUED'") ==
          issued_at_pause);
    const long long paused_outcomes =
        server.database->count("SELECT COUNT(*) FROM coupon_issue_request WHERE outcome = 'PAUSED'");
    CHECK(paused_outcomes > 0);
    CHECK(issued_at_pause + paused_outcomes == accepted.load());
    REQUIRE(admin(server, "POST", policy_path(id) + "/resume").status == 200);
    const auto after = server.post("/api/coupons/99", claim(id));
    INFO(after.body);
    CHECK(after.status == 200);
}
