// PostgreSQL connections that die under the store: a backend killed between batches or inside one, and
// a real server restart. The store reports StoreError for the batch that was cut off and reconnects on
// the next begin(), so the consumer's retry succeeds; the query pool recovers the same way.
#include <catch2/catch.hpp>

#include "pgtmp_server.hpp"
#include "store_fixture.hpp"

using namespace coupon;
using domain::Outcome;
using test::request;

namespace {

// Kills every other connection to the database (the store's consumer and pool sessions).
long long terminate_others(test::RawDb& raw) {
    return raw.scalar("SELECT COUNT(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                      "WHERE datname = current_database() AND pid <> pg_backend_pid()) AS killed");
}

std::vector<domain::IssueRequest> batch_of(const std::string& prefix, int first_user, int n, domain::PolicyId p) {
    std::vector<domain::IssueRequest> out;
    for (int i = 0; i < n; ++i) out.push_back(request(fmt::format("{}{}", prefix, i), first_user + i, p));
    return out;
}

}  // namespace

TEST_CASE("a connection killed between batches is replaced on the next begin", "[pg]") {
    test::StoreFixture f;
    auto& q = f.db->queries();
    const auto policy = q.create_policy(test::new_policy("p", 100));
    const test::ManualClock clock(test::at("2026-12-01T10:00:00Z"));
    auto store = f.db->issue_store();
    domain::CouponIssuer issuer(*store, clock);
    REQUIRE(issuer.apply(batch_of("a", 1, 5, policy.id)).at(4).outcome == Outcome::Issued);

    test::RawDb raw(f.url);
    REQUIRE(terminate_others(raw) >= 1);
    // libpq notices the loss only when BEGIN fails; nothing was begun yet, so begin() retries at once.
    const auto results = issuer.apply(batch_of("b", 11, 5, policy.id));
    CHECK(results.at(0).outcome == Outcome::Issued);
    CHECK(raw.scalar("SELECT issued_quantity FROM coupon_policy") == 10);

    // The pooled read sessions were killed too: reads retry once on a fresh connection.
    CHECK(q.find_policy(policy.id).value().issued_quantity == 10);
    CHECK(q.coupons_of(11).size() == 1);
    CHECK(q.ping());
}

TEST_CASE("a connection killed inside a batch's transaction: StoreError, nothing written, the retry succeeds",
          "[pg]") {
    test::StoreFixture f;
    const auto policy = f.db->queries().create_policy(test::new_policy("p", 100));
    auto store = f.db->issue_store();
    test::RawDb raw(f.url);
    std::vector<domain::IssueDecision> decisions;
    {
        auto tx = store->begin();
        REQUIRE(tx->lock_policies({policy.id}).size() == 1);
        REQUIRE(terminate_others(raw) >= 1);
        domain::IssueDecision d{request("r1", 1, policy.id), {}};
        d.result.request_id = "r1";
        d.result.user_id = 1;
        d.result.policy_id = policy.id;
        d.result.outcome = Outcome::Issued;
        d.result.decided_at = test::at("2026-12-01T10:00:00Z");
        decisions.push_back(d);
        REQUIRE_THROWS_MATCHES(tx->write(decisions, {{policy.id, 1}}), domain::StoreError,
                               Catch::Matchers::Predicate<domain::StoreError>(
                                   [](const domain::StoreError& e) {
                                       const std::string what = e.what();
                                       return what.find("writing decisions") != std::string::npos &&
                                              what.find("sqlstate") != std::string::npos;
                                   },
                                   "names the step and the SQLSTATE"));
    }  // destroyed without commit on a dead connection: no rollback to send, and no exception
    CHECK(raw.scalar("SELECT COUNT(*) FROM coupon") == 0);
    CHECK(raw.scalar("SELECT COUNT(*) FROM coupon_issue_request") == 0);

    const test::ManualClock clock(test::at("2026-12-01T10:00:00Z"));
    domain::CouponIssuer issuer(*store, clock);
    CHECK(issuer.apply({request("r1", 1, policy.id)}).at(0).outcome == Outcome::Issued);
    CHECK(raw.scalar("SELECT issued_quantity FROM coupon_policy") == 1);
}

TEST_CASE("after a server restart the next batch and the next query reconnect", "[pg][restart]") {
    // Its own server: restarting the shared one would cut off tests running in parallel.
    test::PgTmpServer server;
    store::DatabaseConfig config;
    config.url = server.url();
    config.pool_size = 2;
    auto db = store::Database::open(config);
    const auto policy = db->queries().create_policy(test::new_policy("p", 100));
    const test::ManualClock clock(test::at("2026-12-01T10:00:00Z"));
    auto store = db->issue_store();
    domain::CouponIssuer issuer(*store, clock);
    const auto first = issuer.apply(batch_of("a", 1, 3, policy.id));
    REQUIRE(first.at(2).outcome == Outcome::Issued);

    server.restart();

    const auto results = issuer.apply(batch_of("b", 11, 3, policy.id));
    CHECK(results.at(2).outcome == Outcome::Issued);
    CHECK(db->queries().find_policy(policy.id).value().issued_quantity == 6);
    CHECK(db->queries().find_result("a0").value().outcome == Outcome::Issued);
    CHECK(db->queries().ping());
    // A redelivery after the restart still gets its first outcome.
    const auto again = issuer.apply({request("a0", 1, policy.id)});
    CHECK(again.at(0).outcome == Outcome::Issued);
    CHECK(again.at(0).coupon_id == first.at(0).coupon_id);
}
