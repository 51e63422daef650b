// One record that can never be stored or forwarded as it is must not stop its partition or fail its
// batch-mates (issue 8 item 2): the database refusing one request's content, an undecodable record near the
// broker's size limit, and a request id no column should hold, all against the real server.
#include <catch2/catch.hpp>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "e2e_fixture.hpp"
#include "foreign_record.hpp"

using namespace coupon::test;

namespace {

// The dead letters listed by the admin API, once the DLT consumer stored `count` of them (or the deadline).
boost::json::array dead_letters(const RunningServer& s, std::size_t count) {
    boost::json::array items;
    (void)eventually(
        [&] {
            const auto list = s.get_admin("/api/admin/dead-letters");
            if (list.status == 200) items = json_of(list).at("items").as_array();
            return items.size() >= count;
        },
        std::chrono::seconds(30), std::chrono::milliseconds(100));
    return items;
}

}  // namespace

TEST_CASE("a request the database refuses alone is isolated: its batch-mates get their outcomes", "[e2e][isolation]") {
    RunningServer server;
    const std::int64_t policy = server.create_policy(10000);
    const std::string body = R"({"couponPolicyId":)" + std::to_string(policy) + "}";
    constexpr long long kRefused = 666;
    server.database->refuse_coupons_of(kRefused);

    // Writes wait (busy timeout 5 s) behind a 1.5 s lock: the first request's batch waits for it while the
    // others pile up, so they are decided together in the next batch, the refused one among them.
    std::thread lock = server.database->refuse_writes_in_background(std::chrono::milliseconds(1500));
    std::vector<std::string> ids;
    std::string refused_id;
    for (long long user = 1; user <= 200; ++user) {
        const long long who = user == 100 ? kRefused : user;
        const auto reply = server.post("/api/coupons/" + std::to_string(who), body, {{"Prefer", "respond-async"}});
        REQUIRE(reply.status == 202);
        (who == kRefused ? refused_id : ids.emplace_back()) = str(json_of(reply), "requestId");
    }
    lock.join();

    for (const auto& id : ids) {
        INFO(id);
        CHECK(final_status(server, id, 60) == "ISSUED");
    }
    // The refused one goes its own way: retry-1000, retry-2000, then the DLT (FAILED).
    CHECK(final_status(server, refused_id, 60) == "FAILED");
    CHECK(server.database->count("SELECT COUNT(*) FROM coupon") == 199);
    CHECK(server.database->count("SELECT COUNT(*) FROM coupon_issue_request WHERE outcome = 'FAILED'") == 1);
    CHECK(server.process->log().find("isolating the record(s) it refuses") != std::string::npos);
    CHECK(server.process->stop(SIGTERM) == 0);
}

TEST_CASE("an undecodable record near the broker's size limit is dead-lettered cut, and its partition moves on",
          "[e2e][isolation]") {
    TempDir files;
    RunningServer server({{"COUPON_KAFKA_EMBEDDED_BOOTSTRAP_FILE", files.path() + "/bootstrap"}});
    const std::int64_t policy = server.create_policy(10);
    const std::string key = std::to_string(policy);
    // 999,700 bytes: the broker takes it, but the DLT forward adds headers and would pass 1,000,000.
    produce_foreign(first_line(files.path() + "/bootstrap"), key, std::string(999'700, 'x'), files.path());

    // The same partition must keep moving: a request for that policy is decided.
    const auto reply = server.post("/api/coupons/7", R"({"couponPolicyId":)" + key + "}");
    const std::string id = str(json_of(reply), "requestId");
    CHECK((reply.status == 200 || final_status(server, id, 30) == "ISSUED"));

    const auto items = dead_letters(server, 1);
    REQUIRE(items.size() == 1);
    CHECK(str(items[0].as_object(), "originalTopic") == "coupon-issue-topic");
    CHECK(server.database->count("SELECT COUNT(*) FROM dead_letter") == 1);
    CHECK(server.database->count("SELECT COUNT(*) FROM dead_letter WHERE LENGTH(payload) <= 65536") == 1);
    CHECK(server.process->stop(SIGTERM) == 0);
}

TEST_CASE("a request id no column should hold (8 KB) is poison: dead-lettered, batch-mates issued", "[e2e][isolation]") {
    TempDir files;
    RunningServer server({{"COUPON_KAFKA_EMBEDDED_BOOTSTRAP_FILE", files.path() + "/bootstrap"}});
    const std::int64_t policy = server.create_policy(10);
    const std::string key = std::to_string(policy);
    const std::string value = R"({"userId":5,"couponPolicyId":)" + key + R"(,"requestId":")" + std::string(8192, 'r') +
                              R"("})";
    produce_foreign(first_line(files.path() + "/bootstrap"), key, value, files.path());

    const auto reply = server.post("/api/coupons/6", R"({"couponPolicyId":)" + key + "}");
    const std::string id = str(json_of(reply), "requestId");
    CHECK((reply.status == 200 || final_status(server, id, 30) == "ISSUED"));
    REQUIRE(dead_letters(server, 1).size() == 1);
    CHECK(server.database->count("SELECT COUNT(*) FROM coupon WHERE user_id = 5") == 0);
    CHECK(server.database->count("SELECT COUNT(*) FROM coupon_issue_request") == 1);
    CHECK(server.process->stop(SIGTERM) == 0);
}

TEST_CASE("a requestedAt no stored row can hold (year 33658) is poison: dead-lettered, listed, batch-mates issued",
          "[e2e][isolation]") {
    TempDir files;
    RunningServer server({{"COUPON_KAFKA_EMBEDDED_BOOTSTRAP_FILE", files.path() + "/bootstrap"}});
    const std::int64_t policy = server.create_policy(10);
    const std::string key = std::to_string(policy);
    // Epoch milliseconds in the year 33658: as ISO text it has five year digits, which nothing reads back.
    produce_foreign(first_line(files.path() + "/bootstrap"), key,
                    R"({"userId":8,"couponPolicyId":)" + key + R"(,"requestId":"far-future","requestedAt":1000000000000000})",
                    files.path());

    const auto reply = server.post("/api/coupons/9", R"({"couponPolicyId":)" + key + "}");
    const std::string id = str(json_of(reply), "requestId");
    CHECK((reply.status == 200 || final_status(server, id, 30) == "ISSUED"));
    const auto items = dead_letters(server, 1);  // the list answers 200 with it
    REQUIRE(items.size() == 1);
    CHECK(str(items[0].as_object(), "error").find("requestedAt") != std::string::npos);
    CHECK(server.database->count("SELECT COUNT(*) FROM coupon WHERE user_id = 8") == 0);
    CHECK(server.process->stop(SIGTERM) == 0);
}
