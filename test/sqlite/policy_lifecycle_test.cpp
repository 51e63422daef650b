// Operator changes to a policy (docs/policy-lifecycle.md) on the real store: the rules, the audit trail, and
// that a change falls strictly between two consumer batches (it takes the lock the batch takes), raced
// against a flood of batches.
#include <catch2/catch.hpp>

#include <atomic>
#include <latch>
#include <thread>

#include "coupon/domain/policy_lifecycle.hpp"
#include "store_fixture.hpp"

using namespace coupon;
using domain::ChangeRefusal;
using domain::ChangeResult;
using domain::Outcome;
using domain::PolicyAction;
using domain::PolicyChange;
using domain::PolicyStatus;

namespace {

const domain::Actor kOperator{"admin-token", "192.0.2.7"};

PolicyChange action(PolicyAction a) { return PolicyChange{a, {}}; }

PolicyChange stock(std::int64_t total) {
    PolicyChange change{PolicyAction::Edit, {}};
    change.edit.total_quantity = total;
    return change;
}

domain::NewCouponPolicy opening_at(const char* start, std::int64_t total) {
    auto p = test::new_policy("lifecycle", total);
    p.issue_start_at = test::at(start);
    return p;
}

}  // namespace

TEST_CASE("lifecycle: each change applies the rule, bumps the revision and leaves one audit row",
          "[store][lifecycle]") {
    test::StoreFixture f;
    auto& lifecycle = f.db->policy_lifecycle();
    const auto policy = f.db->queries().create_policy(opening_at("2026-12-01T10:00:00Z", 100));
    const auto early = test::at("2026-12-01T09:00:00Z");

    auto r = lifecycle.change(policy.id, stock(50), kOperator, early);
    REQUIRE(r.status == ChangeResult::Status::Applied);
    CHECK(r.policy.total_quantity == 50);
    CHECK(r.policy.revision == 1);

    PolicyChange window{PolicyAction::Edit, {}};
    window.edit.issue_start_at = test::at("2026-12-01T11:00:00Z");
    window.edit.set_end = true;
    window.edit.issue_end_at = test::at("2026-12-01T12:00:00Z");
    CHECK(lifecycle.change(policy.id, window, kOperator, early).status == ChangeResult::Status::Applied);

    CHECK(lifecycle.change(policy.id, action(PolicyAction::Pause), kOperator, early).policy.status ==
          PolicyStatus::Paused);
    r = lifecycle.change(policy.id, action(PolicyAction::Pause), kOperator, early);
    CHECK(r.status == ChangeResult::Status::Refused);
    CHECK(r.refusal == ChangeRefusal::NotActive);
    CHECK(lifecycle.change(policy.id, action(PolicyAction::Resume), kOperator, early).status ==
          ChangeResult::Status::Applied);

    // The window and the stock are fixed from 10 s before the opening on; a new window opens 10 s ahead at least.
    r = lifecycle.change(policy.id, stock(70), kOperator, test::at("2026-12-01T10:59:55Z"));
    CHECK(r.refusal == ChangeRefusal::AlreadyOpen);
    PolicyChange too_soon{PolicyAction::Edit, {}};
    too_soon.edit.issue_start_at = test::at("2026-12-01T09:00:05Z");
    CHECK(lifecycle.change(policy.id, too_soon, kOperator, early).refusal == ChangeRefusal::TooSoon);

    CHECK(lifecycle.change(policy.id, action(PolicyAction::Close), kOperator, early).policy.status ==
          PolicyStatus::Closed);
    CHECK(lifecycle.change(policy.id, action(PolicyAction::Resume), kOperator, early).refusal == ChangeRefusal::Closed);
    CHECK(lifecycle.change(policy.id + 1000, action(PolicyAction::Pause), kOperator, early).status ==
          ChangeResult::Status::NotFound);

    const auto stored = f.db->queries().find_policy(policy.id).value();
    CHECK(stored.status == PolicyStatus::Closed);
    CHECK(stored.revision == 5);
    CHECK(stored.total_quantity == 50);
    CHECK(stored.issue_start_at == test::at("2026-12-01T11:00:00Z"));

    // Refused changes leave no row; the applied five do, in order, with who and when.
    test::RawDb raw(f.url);
    CHECK(raw.scalar("SELECT COUNT(*) FROM coupon_policy_change") == 5);
    const auto changes = lifecycle.changes_of(policy.id, 0, 100);
    REQUIRE(changes.size() == 5);
    CHECK(changes[0].action == PolicyAction::Edit);
    CHECK(changes[0].before.total_quantity == 100);
    CHECK(changes[0].after.total_quantity == 50);
    CHECK(changes[1].before.issue_end_at == std::nullopt);
    CHECK(changes[1].after.issue_end_at == test::at("2026-12-01T12:00:00Z"));
    CHECK(changes[2].action == PolicyAction::Pause);
    CHECK(changes[4].action == PolicyAction::Close);
    CHECK(changes[4].before.status == PolicyStatus::Active);
    CHECK(changes[4].after.status == PolicyStatus::Closed);
    CHECK(changes[4].revision == 5);
    CHECK(changes[4].actor.principal == "admin-token");
    CHECK(changes[4].actor.remote_address == "192.0.2.7");
    CHECK(changes[4].changed_at == early);
    CHECK(lifecycle.changes_of(policy.id, changes[2].id, 100).size() == 2);  // paging by id
    CHECK(lifecycle.changes_of(policy.id, 0, 2).size() == 2);
}

TEST_CASE("lifecycle: the consumer answers PAUSED and CLOSED from the change on, ALREADY_ISSUED and SOLD_OUT first",
          "[store][lifecycle]") {
    test::StoreFixture f;
    const auto policy = f.db->queries().create_policy(test::new_policy("paused", 2));
    auto& lifecycle = f.db->policy_lifecycle();
    const domain::SystemClock clock;
    auto store = f.db->issue_store();
    domain::CouponIssuer issuer(*store, clock);
    const auto now = clock.now();

    CHECK(issuer.apply({test::request("a", 1, policy.id)})[0].outcome == Outcome::Issued);
    REQUIRE(lifecycle.change(policy.id, action(PolicyAction::Pause), kOperator, now).status ==
            ChangeResult::Status::Applied);
    const auto paused = issuer.apply({test::request("b", 2, policy.id), test::request("c", 1, policy.id)});
    CHECK(paused[0].outcome == Outcome::Paused);
    CHECK(paused[1].outcome == Outcome::AlreadyIssued);  // what the edge may answer stays true
    REQUIRE(lifecycle.change(policy.id, action(PolicyAction::Resume), kOperator, now).status ==
            ChangeResult::Status::Applied);
    CHECK(issuer.apply({test::request("d", 2, policy.id)})[0].outcome == Outcome::Issued);
    REQUIRE(lifecycle.change(policy.id, action(PolicyAction::Close), kOperator, now).status ==
            ChangeResult::Status::Applied);
    CHECK(issuer.apply({test::request("e", 3, policy.id)})[0].outcome == Outcome::SoldOut);

    const auto other = f.db->queries().create_policy(test::new_policy("closed", 10));
    REQUIRE(lifecycle.change(other.id, action(PolicyAction::Close), kOperator, now).status ==
            ChangeResult::Status::Applied);
    CHECK(issuer.apply({test::request("f", 3, other.id)})[0].outcome == Outcome::Closed);
    // A redelivered request keeps its first outcome, whatever the policy became since.
    CHECK(issuer.apply({test::request("b", 2, policy.id)})[0].outcome == Outcome::Paused);
    test::RawDb raw(f.url);
    CHECK(raw.scalar("SELECT COUNT(*) FROM coupon_issue_request WHERE outcome = 'PAUSED'") == 1);
    CHECK(raw.scalar("SELECT COUNT(*) FROM coupon_issue_request WHERE outcome = 'CLOSED'") == 1);
}

TEST_CASE("lifecycle: a pause racing a flood of batches: nothing is issued after the pause committed",
          "[store][lifecycle][race]") {
    test::StoreFixture f;
    const auto policy = f.db->queries().create_policy(test::new_policy("flood", 100'000));
    std::atomic<bool> stop{false};
    std::atomic<int> batches{0};
    std::atomic<int> finished{0};
    std::string errors[2];
    std::latch start(3);
    auto consume = [&](int lane) {
        try {
            const domain::SystemClock clock;
            auto store = f.db->issue_store();
            domain::CouponIssuer issuer(*store, clock);
            start.arrive_and_wait();
            for (int b = 0; !stop.load() && b < 2000; ++b) {
                std::vector<domain::IssueRequest> batch;
                for (int i = 0; i < 20; ++i) {
                    const int user = lane * 1'000'000 + b * 20 + i;
                    batch.push_back(test::request(fmt::format("l{}-{}", lane, user), user, policy.id));
                }
                issuer.apply(batch);
                batches.fetch_add(1);
                std::this_thread::sleep_for(std::chrono::milliseconds(1));  // the poll between batches (below)
            }
        } catch (const std::exception& e) {
            errors[lane] = e.what();
        }
        finished.fetch_add(1);
    };
    std::thread a(consume, 0), b(consume, 1);
    start.arrive_and_wait();
    while (batches.load() < 10 && finished.load() < 2) std::this_thread::yield();
    const auto paused = f.db->policy_lifecycle().change(policy.id, action(PolicyAction::Pause), kOperator,
                                                        domain::SystemClock().now());
    REQUIRE(paused.status == ChangeResult::Status::Applied);
    // A new policy is written during the flood too (on SQLite it takes a writer turn like the batches and the
    // pause, writer_turns.hpp).
    CHECK(f.db->queries().create_policy(test::new_policy("added during the flood", 10)).id > policy.id);
    test::RawDb raw(f.url);
    const long long issued_at_pause = raw.scalar(fmt::format("SELECT issued_quantity FROM coupon_policy WHERE id = {}",
                                                             policy.id));
    const int batches_at_pause = batches.load();
    // Ten more batches after the pause (the lanes stop after 2,000 batches each at the latest).
    while (batches.load() < batches_at_pause + 10 && finished.load() < 2) std::this_thread::yield();
    stop = true;
    a.join();
    b.join();
    CHECK(errors[0].empty());
    CHECK(errors[1].empty());
    CHECK(issued_at_pause > 0);
    CHECK(raw.scalar(fmt::format("SELECT issued_quantity FROM coupon_policy WHERE id = {}", policy.id)) ==
          issued_at_pause);
    CHECK(raw.scalar("SELECT COUNT(*) FROM coupon") == issued_at_pause);
    CHECK(raw.scalar("SELECT COUNT(*) FROM coupon_issue_request WHERE outcome = 'PAUSED'") >= 200);
}

TEST_CASE("lifecycle: stock cuts racing a flood: exactly the stock in force is issued, never below what is issued",
          "[store][lifecycle][race]") {
    test::StoreFixture f;
    const auto policy = f.db->queries().create_policy(opening_at("2026-12-01T10:00:00Z", 2000));
    // The consumers' clock says the window is open; the operator's says it opens in an hour. Only the lock
    // orders the two, which is what this race is about.
    test::ManualClock consumer_clock(test::at("2026-12-01T10:00:01Z"));
    const auto operator_now = test::at("2026-12-01T09:00:00Z");
    std::string errors[2];
    std::latch start(3);
    auto consume = [&](int lane) {
        try {
            auto store = f.db->issue_store();
            domain::CouponIssuer issuer(*store, consumer_clock);
            start.arrive_and_wait();
            for (int b = 0; b < 100; ++b) {
                std::vector<domain::IssueRequest> batch;
                for (int i = 0; i < 25; ++i) {
                    const int user = lane * 1'000'000 + b * 25 + i;
                    batch.push_back(test::request(fmt::format("s{}-{}", lane, user), user, policy.id));
                }
                issuer.apply(batch);
                // A consumer polls between batches; without the gap SQLite's busy handler, which is not fair,
                // lets two looping writers starve the operator's transaction until the stock is gone.
                std::this_thread::sleep_for(std::chrono::milliseconds(1));
            }
        } catch (const std::exception& e) {
            errors[lane] = e.what();
        }
    };
    std::thread a(consume, 0), b(consume, 1);
    start.arrive_and_wait();
    int applied = 0, below = 0;
    for (std::int64_t total : {1900, 1700, 1500, 1300, 1100, 900, 700}) {
        const auto r = f.db->policy_lifecycle().change(policy.id, stock(total), kOperator, operator_now);
        if (r.status == ChangeResult::Status::Applied) ++applied;
        if (r.refusal == ChangeRefusal::BelowIssued) ++below;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    a.join();
    b.join();
    CHECK(errors[0].empty());
    CHECK(errors[1].empty());
    test::RawDb raw(f.url);
    const long long total = raw.scalar(fmt::format("SELECT total_quantity FROM coupon_policy WHERE id = {}", policy.id));
    // 5,000 distinct users for at most 2,000 coupons: the stock in force at the end is issued exactly.
    CHECK(raw.scalar("SELECT COUNT(*) FROM coupon") == total);
    CHECK(raw.scalar(fmt::format("SELECT issued_quantity FROM coupon_policy WHERE id = {}", policy.id)) == total);
    CHECK(raw.scalar("SELECT COUNT(*) FROM coupon_issue_request WHERE outcome = 'ISSUED'") == total);
    CHECK(applied + below == 7);
    CHECK(applied >= 1);  // the first cut comes long before 1,900 coupons are out
    CHECK(raw.scalar("SELECT COUNT(*) FROM coupon_policy_change") == applied);
}
