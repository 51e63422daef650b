// The over-issue race: two consumers (each its own IssueStore, as after a rebalance or on two nodes)
// apply overlapping batches for one policy at the same time. SQLite serialises them with its write
// lock; PostgreSQL with two connections and the policy's row lock.
#include <catch2/catch.hpp>

#include <algorithm>
#include <latch>
#include <map>
#include <random>
#include <thread>

#include "store_fixture.hpp"

using namespace coupon;
using domain::Outcome;

TEST_CASE("two writers racing for stock 100 issue exactly 100, no user twice, one outcome per request",
          "[store][race]") {
    test::StoreFixture f;
    const auto policy = f.db->queries().create_policy(test::new_policy("race", 100));

    // 1,000 users; the first 200 also send a second request, and 100 requests are delivered to both
    // consumers (the same request id twice).
    std::vector<domain::IssueRequest> all;
    for (int u = 0; u < 1000; ++u) all.push_back(test::request(fmt::format("u{}", u), u, policy.id));
    for (int u = 0; u < 200; ++u) all.push_back(test::request(fmt::format("u{}-again", u), u, policy.id));
    std::mt19937 rng(42);
    std::shuffle(all.begin(), all.end(), rng);
    std::vector<domain::IssueRequest> lanes[2];
    for (std::size_t i = 0; i < all.size(); ++i) lanes[i % 2].push_back(all[i]);
    for (std::size_t i = 0; i < 100; ++i) lanes[1].push_back(lanes[0][i]);

    std::map<std::string, domain::IssueResult> seen[2];
    std::string errors[2];
    std::latch start(2);
    auto consume = [&](int lane) {
      try {
        const domain::SystemClock clock;
        auto store = f.db->issue_store();
        domain::CouponIssuer issuer(*store, clock);
        start.arrive_and_wait();
        const auto& mine = lanes[lane];
        for (std::size_t i = 0; i < mine.size(); i += 37) {
            const std::vector<domain::IssueRequest> batch(mine.begin() + static_cast<std::ptrdiff_t>(i),
                                                          mine.begin() + static_cast<std::ptrdiff_t>(
                                                                             std::min(i + 37, mine.size())));
            for (const auto& r : issuer.apply(batch)) seen[lane][r.request_id] = r;
        }
      } catch (const std::exception& e) {  // a thread must not terminate the test binary
        errors[lane] = e.what();
      }
    };
    std::thread a(consume, 0), b(consume, 1);
    a.join();
    b.join();
    CHECK(errors[0].empty());
    CHECK(errors[1].empty());

    test::RawDb raw(f.url);
    CHECK(raw.scalar("SELECT COUNT(*) FROM coupon") == 100);
    CHECK(raw.scalar("SELECT issued_quantity FROM coupon_policy") == 100);
    CHECK(raw.scalar("SELECT COUNT(*) FROM (SELECT user_id FROM coupon GROUP BY user_id HAVING COUNT(*) > 1) AS twice") == 0);
    CHECK(raw.scalar("SELECT COUNT(*) FROM coupon_issue_request") == 1200);
    CHECK(raw.scalar("SELECT COUNT(*) FROM coupon_issue_request WHERE outcome = 'ISSUED'") == 100);
    CHECK(raw.scalar("SELECT COUNT(*) FROM coupon_issue_request WHERE outcome = 'SOLD_OUT'") +
              raw.scalar("SELECT COUNT(*) FROM coupon_issue_request WHERE outcome = 'ALREADY_ISSUED'") ==
          1100);

    // A request delivered to both consumers got the same answer from both.
    int shared = 0;
    for (const auto& [id, r] : seen[0]) {
        auto it = seen[1].find(id);
        if (it == seen[1].end()) continue;
        ++shared;
        CHECK(it->second.outcome == r.outcome);
        CHECK(it->second.coupon_id == r.coupon_id);
    }
    CHECK(shared == 100);
    // What the consumers reported is what the table holds.
    for (const auto& lane : seen) {
        for (const auto& [id, r] : lane) {
            const auto stored = f.db->queries().find_result(id);
            REQUIRE(stored.has_value());
            CHECK(stored->outcome == r.outcome);
            CHECK(stored->coupon_id == r.coupon_id);
        }
    }
}
