// Issue failure end to end through the real server: the database refuses writes, the request is retried on
// schedule and dead-lettered (FAILED), a duplicate copy of it arriving later stays FAILED, an operator lists
// and replays it, and a second replay issues nothing.
#include <catch2/catch.hpp>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "e2e_fixture.hpp"

using namespace coupon::test;

namespace {

std::string wait_for_status(const RunningServer& s, const std::string& id, const std::string& wanted, int seconds) {
    std::string status;
    (void)eventually(
        [&] {
            status = str(json_of(s.get("/api/coupon-requests/" + id)), "status");
            return status == wanted;
        },
        std::chrono::seconds(seconds), std::chrono::milliseconds(100));
    return status;
}

HttpReply admin(const RunningServer& s, const std::string& method, const std::string& target) {
    return http(s.port, {method, target, method == "POST" ? "{}" : "",
                         {{"Authorization", std::string("Bearer ") + kAdminToken}}});
}

// Another copy of a record on the issue topic, as a producer retry that was stored twice leaves it.
void produce_copy(const std::string& bootstrap_file, const std::string& key, const std::string& value,
                  const std::string& dir) {
    std::ifstream in(bootstrap_file);
    std::string bootstrap;
    std::getline(in, bootstrap);
    const std::string file = dir + "/copy";
    std::ofstream(file, std::ios::binary) << value;
    const std::string command = "kcat -P -b " + bootstrap + " -t coupon-issue-topic -k " + key +
                                " -H __TypeId__=couponIssueRequest -X topic.partitioner=murmur2_random " + file +
                                " 2>&1";
    REQUIRE(std::system(command.c_str()) == 0);
}

}  // namespace

TEST_CASE("a request the database cannot take is retried, dead-lettered, listed and replayed once", "[e2e]") {
    // Writes wait at most 200 ms for a lock, so a locked database fails them instead of stalling them.
    TempDir files;
    const std::string bootstrap_file = files.path() + "/bootstrap";
    RunningServer server(std::map<std::string, std::string>{{"COUPON_DATABASE_BUSY_TIMEOUT_MS", "200"},
                                                            {"COUPON_KAFKA_EMBEDDED_BOOTSTRAP_FILE", bootstrap_file}});
    const std::int64_t policy = server.create_policy(5);
    const std::string body = R"({"couponPolicyId":)" + std::to_string(policy) + "}";

    // Longer than main + retry-1000 + retry-2000 (about 3 s): the request must end in the DLT.
    std::thread lock = server.database->refuse_writes_in_background(std::chrono::milliseconds(5000));
    const auto accepted = server.post("/api/coupons/1", body, {{"Prefer", "respond-async"}});
    lock.join();
    REQUIRE(accepted.status == 202);
    const std::string id = str(json_of(accepted), "requestId");
    REQUIRE_FALSE(id.empty());
    CHECK(wait_for_status(server, id, "FAILED", 30) == "FAILED");

    const auto list = admin(server, "GET", "/api/admin/dead-letters");
    REQUIRE(list.status == 200);
    const auto items = json_of(list).at("items").as_array();
    REQUIRE(items.size() == 1);
    const auto letter = items[0].as_object();
    CHECK(str(letter, "requestId") == id);
    CHECK(str(letter, "originalTopic") == "coupon-issue-topic");
    CHECK_FALSE(str(letter, "error").empty());
    // The DLT member's database transaction was timed under its own topic (issue 12: transaction time per stage).
    CHECK(server.get("/metrics").body.find("\ncoupon_consumer_transaction_seconds_count{topic=\"coupon-issue-topic.DLT\"} ") !=
          std::string::npos);
    const std::string letter_id = std::to_string(letter.at("id").as_int64());
    CHECK(server.database->count("SELECT COUNT(*) FROM coupon") == 0);

    // A twin copy of the request decided now, with the database back: the client was told 500
    // COUPON_ISSUE_FAILED, so the twin must not issue (docs/request-states.md). A request of user 2 behind
    // it on the same partition (same key) shows when the twin was processed.
    const std::string key = std::to_string(policy);
    produce_copy(bootstrap_file, key,
                 R"({"userId":1,"couponPolicyId":)" + key + R"(,"requestId":")" + id + R"("})", files.path());
    const auto marker = server.post("/api/coupons/2", body);
    const std::string marker_id = str(json_of(marker), "requestId");
    CHECK(wait_for_status(server, marker_id, "ISSUED", 30) == "ISSUED");
    CHECK(str(json_of(server.get("/api/coupon-requests/" + id)), "status") == "FAILED");
    CHECK(server.database->count("SELECT COUNT(*) FROM coupon WHERE user_id = 1") == 0);

    // Replayed with the database back: a normal outcome, through the main topic.
    const auto replay = admin(server, "POST", "/api/admin/dead-letters/" + letter_id + "/replay");
    INFO(replay.body);
    REQUIRE(replay.status == 202);
    CHECK(wait_for_status(server, id, "ISSUED", 30) == "ISSUED");

    // A second replay of the same letter changes nothing.
    REQUIRE(admin(server, "POST", "/api/admin/dead-letters/" + letter_id + "/replay").status == 202);
    std::this_thread::sleep_for(std::chrono::seconds(2));
    CHECK(str(json_of(server.get("/api/coupon-requests/" + id)), "status") == "ISSUED");
    CHECK(json_of(server.get("/api/users/1/coupons")).at("coupons").as_array().size() == 1);
    CHECK(server.database->count("SELECT COUNT(*) FROM coupon") == 2);  // user 1 (replay) and user 2
    CHECK(json_of(server.get("/api/coupon-policies/" + std::to_string(policy))).at("issuedQuantity").as_int64() == 2);
    CHECK(server.database->count("SELECT COUNT(*) FROM coupon_issue_request") == 2);
    CHECK(server.process->stop(SIGTERM) == 0);
}
