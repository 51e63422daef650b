// Two consumers whose batches touch the same two policies in opposite orders: the policy rows are
// locked in id order, so they wait for each other instead of deadlocking, and neither policy is
// over-issued.
#include <catch2/catch.hpp>

#include <latch>
#include <thread>

#include "store_fixture.hpp"

using namespace coupon;

TEST_CASE("batches locking overlapping policies in opposite orders neither deadlock nor over-issue", "[pg][race]") {
    test::StoreFixture f;
    auto& q = f.db->queries();
    const auto a = q.create_policy(test::new_policy("a", 150)).id;
    const auto b = q.create_policy(test::new_policy("b", 150)).id;
    std::string errors[2];
    std::latch start(2);
    auto consume = [&](int lane) {
        try {
            const domain::SystemClock clock;
            auto store = f.db->issue_store();
            domain::CouponIssuer issuer(*store, clock);
            start.arrive_and_wait();
            for (int n = 0; n < 20; ++n) {
                std::vector<domain::IssueRequest> batch;
                for (int i = 0; i < 20; ++i) {
                    const int user = lane * 100000 + n * 100 + i;
                    // Lane 0 asks for a then b, lane 1 for b then a.
                    const auto first = lane == 0 ? a : b, second = lane == 0 ? b : a;
                    batch.push_back(test::request(fmt::format("l{}-{}-{}-1", lane, n, i), user, first));
                    batch.push_back(test::request(fmt::format("l{}-{}-{}-2", lane, n, i), user, second));
                }
                issuer.apply(batch);
            }
        } catch (const std::exception& e) {  // a deadlock would surface here as SQLSTATE 40P01
            errors[lane] = e.what();
        }
    };
    std::thread t0(consume, 0), t1(consume, 1);
    t0.join();
    t1.join();
    CHECK(errors[0].empty());
    CHECK(errors[1].empty());
    test::RawDb raw(f.url);
    CHECK(raw.column("SELECT issued_quantity FROM coupon_policy ORDER BY id") == std::vector<std::string>{"150", "150"});
    CHECK(raw.scalar("SELECT COUNT(*) FROM coupon") == 300);
    CHECK(raw.scalar("SELECT COUNT(*) FROM coupon_issue_request") == 1600);
}
