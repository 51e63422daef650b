// A request redelivered to a second consumer while the first is still deciding it (a rebalance, a
// duplicate from the broker). The second consumer waits for the policy's row lock, and must then read
// the outcome the first committed meanwhile: PostgreSQL reads do not block, so CouponIssuer locks the
// policies before it reads recorded outcomes, or the second would decide the request again.
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "eventually.hpp"
#include "store_fixture.hpp"

using namespace coupon;
using domain::Outcome;

TEST_CASE("a redelivered request that waited for the policy lock gets the outcome committed meanwhile", "[pg][race]") {
    test::StoreFixture f;
    const auto policy = f.db->queries().create_policy(test::new_policy("p", 10));
    const test::ManualClock clock(test::at("2026-12-01T10:00:00Z"));
    const auto x = test::request("x", 1, policy.id);

    // The first consumer decides x and holds its transaction open.
    auto first_store = f.db->issue_store();
    auto tx = first_store->begin();
    REQUIRE(tx->lock_policies({policy.id}).size() == 1);
    std::vector<domain::IssueDecision> decisions{{x, {}}};
    auto& d = decisions[0].result;
    d.request_id = "x";
    d.user_id = 1;
    d.policy_id = policy.id;
    d.outcome = Outcome::Issued;
    d.decided_at = test::at("2026-12-01T10:00:00Z");
    d.remaining = 9;
    tx->write(decisions, {{policy.id, 1}});

    // The second consumer gets x too, and blocks on the policy lock.
    std::vector<domain::IssueResult> second;
    std::string error;
    std::thread redelivery([&] {
        try {
            auto store = f.db->issue_store();
            domain::CouponIssuer issuer(*store, clock);
            second = issuer.apply({x});
        } catch (const std::exception& e) {
            error = e.what();
        }
    });
    test::RawDb raw(f.url);
    (void)test::eventually(
        [&] {
            return raw.scalar("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() "
                              "AND wait_event_type = 'Lock'") != 0;
        },
        std::chrono::seconds(4), std::chrono::milliseconds(10));
    tx->commit();
    redelivery.join();

    CHECK(error.empty());
    REQUIRE(second.size() == 1);
    CHECK(second[0].outcome == Outcome::Issued);
    CHECK(second[0].coupon_id == decisions[0].result.coupon_id);
    CHECK(raw.scalar("SELECT issued_quantity FROM coupon_policy") == 1);
}
