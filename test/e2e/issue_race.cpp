// The over-issuance race: thousands of concurrent POSTs, stock 100 (issue_race.hpp).
#include "issue_race.hpp"

#include <catch2/catch.hpp>

#include <set>

namespace coupon::test {

void run_issue_race(RunningServer& server) {
    const std::int64_t policy = server.create_policy(100);

    constexpr int kUsers = 500;
    constexpr int kPerUser = 4;
    std::vector<HttpCall> calls;
    for (int round = 0; round < kPerUser; ++round) {
        for (int user = 1; user <= kUsers; ++user) {
            calls.push_back({"POST", "/api/coupons/" + std::to_string(user),
                             R"({"couponPolicyId":)" + std::to_string(policy) + "}", {}});
        }
    }
    const auto replies = http_all_at_once(server.port, calls);

    std::map<std::string, int> by_request;  // accepted request id -> user
    std::set<int> winners_200;
    std::set<int> edge_already_issued;  // users answered 409 ALREADY_ISSUED by the edge (http.known_holders)
    int answered = 0, sold_out_short_circuit = 0;
    for (std::size_t i = 0; i < replies.size(); ++i) {
        const auto& r = replies[i];
        INFO("reply " << i << ": " << r.status << " " << r.body);
        REQUIRE((r.status == 200 || r.status == 409 || r.status == 202));
        ++answered;
        const auto body = json_of(r);
        const std::string request_id = str(body, "requestId");
        const int user = static_cast<int>(i % kUsers) + 1;
        if (r.status == 200) {
            CHECK(str(body, "status") == "ISSUED");
            CHECK(winners_200.insert(user).second);
        }
        if (request_id.empty()) {
            // Two answers come without producing to Kafka: the sold-out short-circuit, and a repeated claim of a
            // user the edge has already seen win (a slow server, e.g. under ThreadSanitizer, decides the first
            // round before the later rounds arrive). The latter must name a real winner (checked below).
            REQUIRE(r.status == 409);
            const std::string code = str(body, "code");
            if (code == "COUPON_ALREADY_ISSUED") {
                edge_already_issued.insert(user);
            } else {
                CHECK(code == "COUPON_SOLD_OUT");
                ++sold_out_short_circuit;
            }
        } else {
            CHECK(by_request.emplace(request_id, user).second);
        }
    }
    REQUIRE(answered == kUsers * kPerUser);

    // Every accepted request reaches exactly one final outcome.
    std::map<std::string, int> outcomes;
    std::set<int> issued_users;
    for (const auto& [request_id, user] : by_request) {
        const std::string status = final_status(server, request_id);
        REQUIRE_FALSE(status.empty());
        ++outcomes[status];
        if (status == "ISSUED") CHECK(issued_users.insert(user).second);
    }
    CHECK(outcomes["ISSUED"] == 100);
    CHECK(issued_users.size() == 100);
    for (int user : edge_already_issued) {
        INFO("user " << user << " was answered ALREADY_ISSUED at the edge");
        CHECK(issued_users.count(user) == 1);
    }
    CHECK(outcomes["ISSUED"] + outcomes["ALREADY_ISSUED"] + outcomes["SOLD_OUT"] ==
          static_cast<int>(by_request.size()));

    const auto policy_json = json_of(server.get("/api/coupon-policies/" + std::to_string(policy)));
    CHECK(policy_json.at("issuedQuantity").as_int64() == 100);
    CHECK(policy_json.at("remainingQuantity").as_int64() == 0);

    // Each winner holds exactly one coupon of the policy, through the API.
    int coupons = 0;
    for (int user : issued_users) {
        const auto list = json_of(server.get("/api/users/" + std::to_string(user) + "/coupons"));
        REQUIRE(list.at("coupons").as_array().size() == 1);
        ++coupons;
    }
    CHECK(coupons == 100);

    // The database agrees: one outcome row per accepted request, 100 coupons, no (user, policy) twice.
    auto& db = *server.database;
    CHECK(db.count("SELECT COUNT(*) FROM coupon_issue_request") == static_cast<long long>(by_request.size()));
    CHECK(db.count("SELECT COUNT(*) FROM coupon") == 100);
    CHECK(db.count("SELECT COUNT(DISTINCT user_id) FROM coupon") == 100);

    // A sold-out policy is now answered at once, without Kafka.
    const auto late = server.post("/api/coupons/9999", R"({"couponPolicyId":)" + std::to_string(policy) + "}");
    CHECK(late.status == 409);
    CHECK(str(json_of(late), "code") == "COUPON_SOLD_OUT");
}

}  // namespace coupon::test
