// The read side and policy administration (CouponQueries) on SQLite.
#include <catch2/catch.hpp>

#include <thread>

#include "store_fixture.hpp"

using namespace coupon;
using domain::Outcome;
using test::request;

TEST_CASE("create_policy stores every field and find_policy reads it back", "[store]") {
    test::StoreFixture f;
    auto& q = f.db->queries();
    auto p = test::new_policy("Welcome 3000", 1000);
    p.discount_type = "RATE";
    p.discount_value = 15;
    p.issue_start_at = test::at("2026-12-01T10:00:00+09:00");
    p.issue_end_at = test::at("2026-12-01T23:59:59.999+09:00");
    const auto created = q.create_policy(p);
    CHECK(created.id > 0);
    CHECK(created.name == "Welcome 3000");
    CHECK(created.discount_type == "RATE");
    CHECK(created.discount_value == 15);
    CHECK(created.total_quantity == 1000);
    CHECK(created.issued_quantity == 0);
    CHECK(created.issue_start_at == p.issue_start_at);
    CHECK(created.issue_end_at == p.issue_end_at);
    CHECK(created.created_at > test::at("2025-01-01T00:00:00Z"));

    const auto found = q.find_policy(created.id);
    REQUIRE(found.has_value());
    CHECK(found->name == created.name);
    CHECK(found->issue_end_at == p.issue_end_at);
    CHECK(found->created_at == created.created_at);

    const auto open_ended = q.create_policy(test::new_policy("no window", 1));
    CHECK(open_ended.id != created.id);
    CHECK_FALSE(open_ended.issue_start_at.has_value());
    CHECK_FALSE(open_ended.issue_end_at.has_value());
    CHECK_FALSE(q.find_policy(424242).has_value());
}

TEST_CASE("policies_after reads the policies above an id in id order, at most the limit", "[store]") {
    // The front end's policy catalog (docs/edge-answers.md) reads with it.
    test::StoreFixture f;
    auto& q = f.db->queries();
    auto p = test::new_policy("windowed", 3);
    p.issue_start_at = test::at("2026-12-01T10:00:00Z");
    std::vector<domain::PolicyId> ids;
    for (int i = 0; i < 5; ++i) ids.push_back(q.create_policy(i == 2 ? p : test::new_policy("p", 1)).id);
    const auto all = q.policies_after(0, 100);
    REQUIRE(all.size() == 5);
    for (std::size_t i = 0; i < all.size(); ++i) CHECK(all[i].id == ids[i]);
    CHECK(all[2].issue_start_at == p.issue_start_at);
    const auto page = q.policies_after(ids[1], 2);
    REQUIRE(page.size() == 2);
    CHECK(page[0].id == ids[2]);
    CHECK(page[1].id == ids[3]);
    CHECK(q.policies_after(ids[4], 10).empty());
}

TEST_CASE("find_result, coupons_of and sold_out_policies reflect the issued coupons", "[store]") {
    test::StoreFixture f;
    auto& q = f.db->queries();
    const auto one = q.create_policy(test::new_policy("one", 1));
    const auto two = q.create_policy(test::new_policy("two", 5));
    const auto empty = q.create_policy(test::new_policy("zero stock", 0));
    const test::ManualClock clock(test::at("2026-12-01T10:00:00Z"));
    auto store = f.db->issue_store();
    domain::CouponIssuer issuer(*store, clock);
    const auto results = issuer.apply({request("x1", 42, two.id), request("x2", 42, one.id),
                                       request("x3", 7, one.id)});
    REQUIRE(results.at(2).outcome == Outcome::SoldOut);

    CHECK_FALSE(q.find_result("nope").has_value());
    const auto x3 = q.find_result("x3");
    REQUIRE(x3.has_value());
    CHECK(x3->outcome == Outcome::SoldOut);
    CHECK(x3->user_id == 7);
    CHECK(x3->policy_id == one.id);
    CHECK_FALSE(x3->coupon_id.has_value());
    CHECK_FALSE(x3->issued_at.has_value());
    CHECK(x3->remaining == 0);
    CHECK(x3->decided_at == test::at("2026-12-01T10:00:00Z"));

    const auto mine = q.coupons_of(42);
    REQUIRE(mine.size() == 2);
    CHECK(mine[0].id < mine[1].id);
    CHECK(mine[0].policy_id == two.id);
    CHECK(mine[0].request_id == "x1");
    CHECK(mine[1].policy_id == one.id);
    CHECK(mine[1].issued_at == test::at("2026-12-01T10:00:00Z"));
    CHECK(mine[0].id == results[0].coupon_id);
    CHECK(q.coupons_of(7).empty());

    CHECK(q.sold_out_policies() == std::vector<domain::PolicyId>{one.id, empty.id});
    CHECK(q.ping());
}

TEST_CASE("queries from several threads run while a consumer writes", "[store]") {
    test::StoreFixture f;
    auto& q = f.db->queries();
    const auto policy = q.create_policy(test::new_policy("busy", 100000));
    std::atomic<bool> done{false};
    std::atomic<int> reads{0};
    std::thread writer([&] {
        const domain::SystemClock clock;
        auto store = f.db->issue_store();
        domain::CouponIssuer issuer(*store, clock);
        for (int b = 0; b < 20; ++b) {
            std::vector<domain::IssueRequest> batch;
            for (int i = 0; i < 100; ++i) batch.push_back(request(fmt::format("w{}-{}", b, i), b * 100 + i, policy.id));
            issuer.apply(batch);
        }
        done = true;
    });
    std::vector<std::thread> readers;
    std::atomic<int> errors{0};
    for (int t = 0; t < 4; ++t) {
        readers.emplace_back([&] {
            while (!done) {
                try {
                    const auto p = q.find_policy(policy.id);
                    if (!p || p->issued_quantity > 2000) ++errors;
                    ++reads;
                } catch (const std::exception&) {
                    ++errors;
                }
            }
        });
    }
    writer.join();
    for (auto& r : readers) r.join();
    CHECK(errors == 0);
    CHECK(reads > 0);
    CHECK(q.find_policy(policy.id)->issued_quantity == 2000);
}
