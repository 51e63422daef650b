// Answers at the edge (docs/edge-answers.md): what the front end knows for sure is answered without
// producing, with the consumer's status and code; what it does not know goes to the broker as before.
#include <catch2/catch.hpp>

#include <thread>

#include "policy_catalog.hpp"
#include "test_doubles.hpp"

using namespace coupon::http;
using namespace coupon::http::test;
using coupon::domain::IssueRequest;
using coupon::domain::Outcome;
using coupon::domain::PolicyId;
using coupon::domain::TimePoint;

namespace {

std::string claim(PolicyId policy) { return R"({"couponPolicyId":)" + std::to_string(policy) + "}"; }

coupon::domain::CouponPolicy policy(PolicyId id, std::optional<TimePoint> start = {}, std::optional<TimePoint> end = {}) {
    coupon::domain::CouponPolicy p;
    p.id = id;
    p.name = "edge " + std::to_string(id);
    p.discount_type = "AMOUNT";
    p.discount_value = 1000;
    p.total_quantity = 10;
    p.issue_start_at = start;
    p.issue_end_at = end;
    return p;
}

void check_at_edge(const Reply& reply, int status, const std::string& code) {
    INFO(reply.status << " " << reply.body);
    CHECK(reply.status == status);
    CHECK(str(json_of(reply), "code") == code);
    CHECK_FALSE(json_of(reply).contains("requestId"));  // nothing was produced, so there is no request
}

// A claim for `id` that misses the catalog starts a refresh; returns once the refresh has read.
void refresh_by_claiming(ApiHarness& api, PolicyId id) {
    const int before = api.queries.policy_reads.load();
    (void)api.post("/api/coupons/1", claim(id));
    REQUIRE(eventually([&] { return api.queries.policy_reads.load() > before; }));
}

std::int64_t edge_count(const ApiHarness& api, const std::string& code) {
    const std::string series = "coupon_http_edge_answers_total{outcome=\"" + code + "\"} ";
    const std::string text = api.get("/metrics").body;
    const auto at = text.find(series);
    return at == std::string::npos ? -1 : std::stoll(text.substr(at + series.size()));
}

}  // namespace

TEST_CASE("a policy the database does not hold is 404 at the edge once the catalog settled, newer ids go through",
          "[http][edge]") {
    ApiHarness api;
    api.sink.decide = [](const IssueRequest& r) { return result_for(r, Outcome::NotFound); };
    for (PolicyId id : {1, 2, 4}) api.queries.policies[id] = policy(id);  // 3: a hole (an insert that failed)

    refresh_by_claiming(api, 1);  // reads 1, 2 and 4: the highest id is trusted a settle time later
    CHECK(api.post("/api/coupons/1", claim(3)).status == 404);  // not trusted yet: the consumer answered
    std::this_thread::sleep_for(PolicyCatalog::kSettle);
    refresh_by_claiming(api, 3);  // the second refresh trusts 4
    const auto produced = api.sink.submitted().size();
    const auto counted = edge_count(api, "COUPON_POLICY_NOT_FOUND");

    check_at_edge(api.post("/api/coupons/1", claim(3)), 404, "COUPON_POLICY_NOT_FOUND");
    CHECK(api.sink.submitted().size() == produced);
    CHECK(edge_count(api, "COUPON_POLICY_NOT_FOUND") == counted + 1);
    // Above the trusted id another node may have just created it: the broker and the consumer decide.
    const auto newer = api.post("/api/coupons/1", claim(99));
    CHECK(newer.status == 404);
    CHECK(json_of(newer).contains("requestId"));
    CHECK(api.sink.submitted().size() == produced + 1);
}

TEST_CASE("a closed or not yet open window is 409 at the edge, an open one goes through", "[http][edge]") {
    ApiHarness api;
    api.sink.decide = [](const IssueRequest& r) { return result_for(r, Outcome::Issued); };
    const TimePoint now = api.clock.now();
    api.queries.policies[1] = policy(1, now - std::chrono::hours(2), now - std::chrono::hours(1));  // closed
    api.queries.policies[2] = policy(2, now + std::chrono::hours(1), {});                          // not yet open
    api.queries.policies[3] = policy(3, now - std::chrono::hours(1), now + std::chrono::hours(1)); // open
    refresh_by_claiming(api, 1);
    const auto produced = api.sink.submitted().size();

    check_at_edge(api.post("/api/coupons/5", claim(1)), 409, "COUPON_ISSUE_NOT_OPEN");
    check_at_edge(api.post("/api/coupons/5", claim(2)), 409, "COUPON_ISSUE_NOT_OPEN");
    CHECK(api.sink.submitted().size() == produced);
    CHECK(api.post("/api/coupons/5", claim(3)).status == 200);
    CHECK(api.sink.submitted().size() == produced + 1);

    // The window opens: the same policy now goes through.
    api.clock.advance(std::chrono::hours(2));
    CHECK(api.post("/api/coupons/6", claim(2)).status == 200);
}

TEST_CASE("a policy created on this node is known at once", "[http][edge]") {
    ApiHarness api;
    const auto created = api.post("/api/coupon-policies",
                                  R"({"name":"over","totalQuantity":5,"discountType":"AMOUNT","discountValue":100,)"
                                  R"("issueStartAt":"2020-01-01T00:00:00Z","issueEndAt":"2020-01-02T00:00:00Z"})",
                                  {{"Authorization", "Bearer secret-token-0123"}});
    REQUIRE(created.status == 201);
    const auto id = json_of(created).at("id").as_int64();
    check_at_edge(api.post("/api/coupons/5", claim(id)), 409, "COUPON_ISSUE_NOT_OPEN");
    CHECK(api.sink.submitted().empty());
    CHECK(api.queries.policy_reads.load() == 0);  // no database read was needed
}

TEST_CASE("a user known to hold the coupon is 409 ALREADY_ISSUED at the edge, before sold out", "[http][edge]") {
    auto config = test_config();
    config.known_holders = 1000;
    ApiHarness api(config);
    api.sink.decide = [](const IssueRequest& r) { return result_for(r, Outcome::Issued); };
    REQUIRE(api.post("/api/coupons/42", claim(7)).status == 200);
    const auto counted = edge_count(api, "COUPON_ALREADY_ISSUED");

    check_at_edge(api.post("/api/coupons/42", claim(7)), 409, "COUPON_ALREADY_ISSUED");
    CHECK(api.sink.submitted().size() == 1);
    CHECK(edge_count(api, "COUPON_ALREADY_ISSUED") == counted + 1);
    CHECK(api.post("/api/coupons/43", claim(7)).status == 200);  // another user goes through
    CHECK(api.post("/api/coupons/42", claim(8)).status == 200);  // another policy too
    CHECK(api.sink.submitted().size() == 3);

    // Sold out now: the holder still hears ALREADY_ISSUED (the consumer's order), anyone else SOLD_OUT.
    auto sold_out = result_for(IssueRequest{"other-node-request", 44, 7, api.clock.now()}, Outcome::SoldOut);
    api.board.publish(sold_out);
    check_at_edge(api.post("/api/coupons/42", claim(7)), 409, "COUPON_ALREADY_ISSUED");
    check_at_edge(api.post("/api/coupons/45", claim(7)), 409, "COUPON_SOLD_OUT");
    CHECK(api.sink.submitted().size() == 3);
}

TEST_CASE("with the database down a policy the catalog lacks still goes through the broker", "[http][edge]") {
    ApiHarness api;
    api.sink.decide = [](const IssueRequest& r) { return result_for(r, Outcome::Issued); };
    api.queries.failing = true;
    CHECK(api.post("/api/coupons/5", claim(1)).status == 200);
    std::this_thread::sleep_for(PolicyCatalog::kSettle);
    CHECK(api.post("/api/coupons/6", claim(2)).status == 200);
    CHECK(api.sink.submitted().size() == 2);
}
