// Database failures surface as StoreError with the reason, commit nothing, and leave the store usable
// for the retry. (Running as root defeats chmod, so failures are made with locks and triggers.)
// PostgreSQL-only failures (a killed connection, a server restart) are in test/pg.
#include <catch2/catch.hpp>

#include <atomic>
#include <optional>
#include <thread>

#include "coupon/domain/policy_lifecycle.hpp"
#include "store_fixture.hpp"

using namespace coupon;
using domain::Outcome;
using test::RawDb;
using test::request;

namespace {

void check_nothing_written(RawDb& raw) {
    CHECK(raw.scalar("SELECT COUNT(*) FROM coupon") == 0);
    CHECK(raw.scalar("SELECT COUNT(*) FROM coupon_issue_request") == 0);
    CHECK(raw.scalar("SELECT SUM(issued_quantity) FROM coupon_policy") == 0);
}

}  // namespace

TEST_CASE("another connection holding the write lock makes apply throw StoreError (busy)", "[store]") {
    test::StoreFixture f(std::chrono::milliseconds(100));
    const auto policy = f.db->queries().create_policy(test::new_policy("p", 10));
    const test::ManualClock clock(test::at("2026-12-01T10:00:00Z"));
    auto store = f.db->issue_store();
    domain::CouponIssuer issuer(*store, clock);
    const std::vector<domain::IssueRequest> batch{request("a", 1, policy.id), request("b", 2, policy.id)};

    RawDb locker(f.url, 0);
    // SQLite: the database's write lock. PostgreSQL: a table lock that conflicts with the policy row
    // locks, waited for up to busy_timeout (lock_timeout).
    locker.exec(test::kPostgresql ? "BEGIN; LOCK TABLE coupon_policy IN EXCLUSIVE MODE" : "BEGIN EXCLUSIVE");
    const std::string reason = test::kPostgresql ? "lock timeout" : "database is locked";
    REQUIRE_THROWS_MATCHES(issuer.apply(batch), domain::StoreError,
                           Catch::Matchers::Predicate<domain::StoreError>(
                               [&](const domain::StoreError& e) {
                                   return std::string(e.what()).find(reason) != std::string::npos;
                               },
                               "message names the lock"));
    check_nothing_written(locker);
    locker.exec("ROLLBACK");

    // The same store retries the same batch once the lock is gone.
    const auto results = issuer.apply(batch);
    CHECK(results.at(0).outcome == Outcome::Issued);
    CHECK(results.at(1).outcome == Outcome::Issued);
    CHECK(locker.scalar("SELECT COUNT(*) FROM coupon") == 2);
}

// A node's consumers each have an issue store of their own. SQLite: they take turns before BEGIN IMMEDIATE
// (writer_turns.hpp); PostgreSQL: the policy's row lock. Either way the second waits for the first's
// transaction to end, and gives up after busy_timeout like any other wait for the lock.
TEST_CASE("two issue stores of one node take turns: the second waits for the first's transaction to end", "[store]") {
    test::StoreFixture f(std::chrono::milliseconds(1000));
    const auto policy = f.db->queries().create_policy(test::new_policy("p", 10));
    auto first = f.db->issue_store();
    auto second = f.db->issue_store();
    auto lock_in = [&](domain::IssueStore& store) {
        auto tx = store.begin();
        tx->lock_policies({policy.id});
        return tx;
    };
    const std::string reason = test::kPostgresql ? "lock timeout" : "database is locked";

    auto held = lock_in(*first);
    REQUIRE_THROWS_MATCHES(lock_in(*second), domain::StoreError,
                           Catch::Matchers::Predicate<domain::StoreError>(
                               [&](const domain::StoreError& e) {
                                   return std::string(e.what()).find(reason) != std::string::npos;
                               },
                               "message names the lock"));
    if (!test::kPostgresql) {
        // The node's other writers wait for a turn too (a new policy, a policy change), rather than for SQLite's
        // lock through its busy handler: they give up naming the turn.
        const domain::Actor actor{"admin-token", "192.0.2.7"};
        const domain::PolicyChange pause{domain::PolicyAction::Pause, {}};
        CHECK_THROWS_WITH(f.db->queries().create_policy(test::new_policy("q", 10)), Catch::Contains("kept its turn"));
        CHECK_THROWS_WITH(f.db->policy_lifecycle().change(policy.id, pause, actor, domain::SystemClock().now()),
                          Catch::Contains("kept its turn"));
    }
    held.reset();  // rolled back: the turn passes on
    lock_in(*second)->commit();

    held = lock_in(*first);
    std::atomic<bool> locked{false};
    std::optional<std::string> failure;
    std::thread waiter([&] {
        try {
            auto tx = lock_in(*second);
            locked = true;
            tx->commit();
        } catch (const std::exception& e) {
            failure = e.what();
        }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    CHECK_FALSE(locked.load());  // the first still holds its transaction
    held->commit();
    waiter.join();
    CHECK(failure == std::nullopt);
    CHECK(locked.load());

    // Each store still works after taking turns.
    lock_in(*first)->commit();
}

TEST_CASE("a failure in the middle of writing a batch rolls the whole batch back", "[store]") {
    test::StoreFixture f;
    const auto policy = f.db->queries().create_policy(test::new_policy("p", 10));
    const test::ManualClock clock(test::at("2026-12-01T10:00:00Z"));
    auto store = f.db->issue_store();
    domain::CouponIssuer issuer(*store, clock);
    const std::vector<domain::IssueRequest> batch{request("a", 1, policy.id), request("b", 2, policy.id),
                                                  request("c", 666, policy.id), request("d", 4, policy.id)};

    RawDb raw(f.url);
    // Stands in for a disk error on the third insert, after two coupons and outcomes were written.
    if (test::kPostgresql) {
        raw.exec("CREATE FUNCTION refuse_666() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                 "IF NEW.user_id = 666 THEN RAISE EXCEPTION 'simulated disk failure'; END IF; RETURN NEW; END $$; "
                 "CREATE TRIGGER refuse_666 BEFORE INSERT ON coupon FOR EACH ROW EXECUTE FUNCTION refuse_666()");
    } else {
        raw.exec("CREATE TRIGGER refuse_666 BEFORE INSERT ON coupon WHEN NEW.user_id = 666 "
                 "BEGIN SELECT RAISE(ABORT, 'simulated disk failure'); END");
    }
    REQUIRE_THROWS_WITH(issuer.apply(batch), Catch::Contains("simulated disk failure"));
    check_nothing_written(raw);

    raw.exec(test::kPostgresql ? "DROP TRIGGER refuse_666 ON coupon" : "DROP TRIGGER refuse_666");
    const auto results = issuer.apply(batch);
    CHECK(results.at(2).outcome == Outcome::Issued);
    CHECK(raw.scalar("SELECT COUNT(*) FROM coupon") == 4);
    CHECK(raw.scalar("SELECT issued_quantity FROM coupon_policy") == 4);
}

namespace {

domain::IssueDecision issued(std::string id, domain::UserId user, domain::PolicyId policy) {
    domain::IssueDecision d{request(std::move(id), user, policy), {}};
    d.result.request_id = d.request.request_id;
    d.result.user_id = user;
    d.result.policy_id = policy;
    d.result.outcome = Outcome::Issued;
    d.result.decided_at = test::at("2026-12-01T10:00:00Z");
    return d;
}

}  // namespace

TEST_CASE("the conditional increment refuses a write that would exceed the stock", "[store]") {
    test::StoreFixture f;
    const auto policy = f.db->queries().create_policy(test::new_policy("p", 1));
    auto store = f.db->issue_store();
    {
        // A planner bug that decided two coupons for a stock of one.
        auto tx = store->begin();
        REQUIRE(tx->lock_policies({policy.id}).at(policy.id).total_quantity == 1);
        std::vector<domain::IssueDecision> decisions{issued("r1", 1, policy.id), issued("r2", 2, policy.id)};
        REQUIRE_THROWS_AS(tx->write(decisions, {{policy.id, 2}}), domain::StoreError);
    }  // destroyed without commit: rolled back
    RawDb raw(f.url);
    check_nothing_written(raw);
    // And the store is still usable.
    auto tx = store->begin();
    CHECK(tx->find_results({"r1"}).empty());
    tx->commit();
}

TEST_CASE("a decision for a request that already has a final outcome is refused", "[store]") {
    test::StoreFixture f;
    const auto policy = f.db->queries().create_policy(test::new_policy("p", 5));
    const test::ManualClock clock(test::at("2026-12-01T10:00:00Z"));
    auto store = f.db->issue_store();
    domain::CouponIssuer issuer(*store, clock);
    REQUIRE(issuer.apply({request("r1", 1, policy.id)}).at(0).outcome == Outcome::Issued);
    {
        // A caller that skipped find_results and decided r1 again, for another user.
        auto tx = store->begin();
        std::vector<domain::IssueDecision> decisions{issued("r1", 2, policy.id)};
        REQUIRE_THROWS_WITH(tx->write(decisions, {{policy.id, 1}}), Catch::Contains("already has a final outcome"));
    }
    RawDb raw(f.url);
    CHECK(raw.scalar("SELECT COUNT(*) FROM coupon") == 1);
    CHECK(raw.column("SELECT user_id || ' ' || outcome FROM coupon_issue_request") ==
          std::vector<std::string>{"1 ISSUED"});
}
