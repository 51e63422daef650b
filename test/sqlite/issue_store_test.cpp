// The issuing rules (DESIGN.md section 4) through CouponIssuer over the SQLite IssueStore, checked
// against the expected outcomes, the in-memory reference store, and the rows in the tables.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <set>

#include "in_memory_store.hpp"
#include "store_fixture.hpp"

using namespace coupon;
using domain::Outcome;
using test::request;
using test::RawDb;

namespace {

std::vector<Outcome> outcomes(const std::vector<domain::IssueResult>& results) {
    std::vector<Outcome> out;
    for (const auto& r : results) out.push_back(r.outcome);
    return out;
}

// An Issued decision for `r`, as a planner would hand it to the store's write, bypassing the planner.
domain::IssueDecision issued_decision(const domain::IssueRequest& r, std::int64_t remaining = -1) {
    domain::IssueDecision d{r, {}};
    d.result.request_id = r.request_id;
    d.result.user_id = r.user_id;
    d.result.policy_id = r.policy_id;
    d.result.outcome = Outcome::Issued;
    d.result.decided_at = test::at("2026-12-01T10:00:00Z");
    d.result.issued_at = d.result.decided_at;
    d.result.remaining = remaining;
    return d;
}

}  // namespace

TEST_CASE("a batch mixing every outcome is decided as one by one, and the tables agree", "[store]") {
    test::StoreFixture f;
    const test::ManualClock clock(test::at("2026-12-01T10:00:00Z"));
    auto& q = f.db->queries();
    const auto open = q.create_policy(test::new_policy("open, stock 3", 3));
    auto later = test::new_policy("opens tomorrow", 10);
    later.issue_start_at = test::at("2026-12-02T00:00:00Z");
    const auto closed = q.create_policy(later);
    const domain::PolicyId unknown = 999;

    // The same batches against the in-memory reference implementation of the port.
    test::InMemoryStore reference;
    reference.add_policy(open);
    reference.add_policy(closed);
    domain::CouponIssuer reference_issuer(reference, clock);

    auto store = f.db->issue_store();
    domain::CouponIssuer issuer(*store, clock);

    const std::vector<domain::IssueRequest> first{request("r1", 1, open.id)};
    const auto first_results = issuer.apply(first);
    REQUIRE(first_results.at(0).outcome == Outcome::Issued);
    REQUIRE(first_results.at(0).coupon_id.has_value());
    reference_issuer.apply(first);

    const std::vector<domain::IssueRequest> batch{
        request("r2", 1, open.id),    // already issued in the previous batch
        request("r3", 2, open.id),    // issued
        request("r4", 2, open.id),    // already issued earlier in this batch
        request("r1", 1, open.id),    // redelivered: keeps its first outcome and coupon
        request("r5", 3, open.id),    // issued: the last coupon
        request("r6", 4, open.id),    // sold out
        request("r7", 5, unknown),    // not found
        request("r8", 6, closed.id),  // not open
        request("r3", 2, open.id),    // redelivered within the batch
    };
    const auto results = issuer.apply(batch);
    const std::vector<Outcome> expected{Outcome::AlreadyIssued, Outcome::Issued,   Outcome::AlreadyIssued,
                                        Outcome::Issued,        Outcome::Issued,   Outcome::SoldOut,
                                        Outcome::NotFound,      Outcome::NotOpen,  Outcome::Issued};
    CHECK(outcomes(results) == expected);
    const auto reference_results = reference_issuer.apply(batch);
    CHECK(outcomes(results) == outcomes(reference_results));
    for (std::size_t i = 0; i < results.size(); ++i) {
        INFO(i);
        CHECK(results[i].remaining == reference_results[i].remaining);
    }

    // Redeliveries carry the first decision, coupon included.
    CHECK(results[3].coupon_id == first_results[0].coupon_id);
    CHECK(results[3].remaining == 2);
    CHECK(results[3].issued_at == first_results[0].issued_at);
    CHECK(results[8].coupon_id == results[1].coupon_id);
    REQUIRE(results[1].coupon_id.has_value());
    REQUIRE(results[4].coupon_id.has_value());
    CHECK(results[1].coupon_id != results[4].coupon_id);
    CHECK(results[5].remaining == 0);

    RawDb raw(f.url);
    CHECK(raw.scalar("SELECT COUNT(*) FROM coupon") == 3);
    CHECK(raw.scalar(fmt::format("SELECT issued_quantity FROM coupon_policy WHERE id = {}", open.id)) == 3);
    CHECK(raw.scalar(fmt::format("SELECT issued_quantity FROM coupon_policy WHERE id = {}", closed.id)) == 0);
    CHECK(raw.column("SELECT request_id || ' ' || outcome FROM coupon_issue_request ORDER BY request_id") ==
          std::vector<std::string>{"r1 ISSUED", "r2 ALREADY_ISSUED", "r3 ISSUED", "r4 ALREADY_ISSUED", "r5 ISSUED",
                                   "r6 SOLD_OUT", "r7 NOT_FOUND", "r8 NOT_OPEN"});
    // Each ISSUED row points at the coupon made for that very request.
    CHECK(raw.scalar("SELECT COUNT(*) FROM coupon_issue_request r JOIN coupon c ON c.id = r.coupon_id "
                     "AND c.request_id = r.request_id AND c.user_id = r.user_id WHERE r.outcome = 'ISSUED'") == 3);
    CHECK(raw.scalar("SELECT COUNT(*) FROM coupon_issue_request WHERE outcome <> 'ISSUED' AND coupon_id IS NOT NULL") ==
          0);
    // Coupon ids ascend in the order the requests were decided, and each answer names its own coupon's row.
    CHECK(raw.column("SELECT request_id FROM coupon ORDER BY id") == std::vector<std::string>{"r1", "r3", "r5"});
    CHECK(raw.scalar("SELECT id FROM coupon WHERE request_id = 'r3'") == *results[1].coupon_id);
    CHECK(raw.scalar("SELECT id FROM coupon WHERE request_id = 'r5'") == *results[4].coupon_id);
    CHECK(raw.column("SELECT kafka_partition || ' ' || kafka_offset || ' ' || issued_at FROM coupon "
                     "WHERE request_id = 'r1'") == std::vector<std::string>{"3 100 2026-12-01T10:00:00.000Z"});
    CHECK(raw.column("SELECT kafka_partition || ' ' || kafka_offset || ' ' || requested_at FROM coupon_issue_request "
                     "WHERE request_id = 'r1'") == std::vector<std::string>{"3 100 2026-12-01T09:59:59.500Z"});

    // The read side sees the same thing.
    const auto r1 = q.find_result("r1");
    REQUIRE(r1.has_value());
    CHECK(r1->outcome == Outcome::Issued);
    CHECK(r1->coupon_id == first_results[0].coupon_id);
    CHECK(r1->issued_at == test::at("2026-12-01T10:00:00Z"));
    CHECK(q.find_result("r6").value().outcome == Outcome::SoldOut);
}

TEST_CASE("FAILED is final for any copy of the request, only an operator's replay decides it again", "[store]") {
    test::StoreFixture f;
    const test::ManualClock clock(test::at("2026-12-01T10:00:00Z"));
    const auto policy = f.db->queries().create_policy(test::new_policy("p", 5));
    auto store = f.db->issue_store();
    domain::CouponIssuer issuer(*store, clock);
    const auto r9 = request("r9", 7, policy.id);

    CHECK(test::dead_letter_for(*f.db, r9, "poison: broker said no").has_value());
    auto failed = f.db->queries().find_result("r9");
    REQUIRE(failed.has_value());
    CHECK(failed->outcome == Outcome::Failed);
    CHECK(failed->error == "poison: broker said no");
    CHECK(test::dead_letter_for(*f.db, r9, "failed again").has_value());  // FAILED may be overwritten by FAILED
    RawDb raw(f.url);

    // A twin copy (a duplicate stored by the producer, a redelivery) decided after the dead letter: the
    // client was told 500 COUPON_ISSUE_FAILED, so the twin is answered FAILED and issues nothing.
    const auto twin = issuer.apply({r9});
    CHECK(twin.at(0).outcome == Outcome::Failed);
    CHECK(twin.at(0).error == "failed again");
    CHECK(raw.column("SELECT outcome FROM coupon_issue_request") == std::vector<std::string>{"FAILED"});
    CHECK(raw.scalar("SELECT COUNT(*) FROM coupon") == 0);
    CHECK(raw.scalar("SELECT issued_quantity FROM coupon_policy") == 0);

    // The operator's replay is the one copy that decides it again.
    auto replay = r9;
    replay.replay = true;
    const auto replayed = issuer.apply({replay});
    REQUIRE(replayed.at(0).outcome == Outcome::Issued);
    CHECK(raw.column("SELECT outcome || ' ' || coalesce(error, 'no error') FROM coupon_issue_request") ==
          std::vector<std::string>{"ISSUED no error"});
    CHECK(raw.scalar("SELECT COUNT(*) FROM coupon") == 1);

    // Once decided, a late dead-letter write, a redelivery and another replay change nothing.
    CHECK_FALSE(test::dead_letter_for(*f.db, r9, "too late").has_value());
    for (const auto& copy : {r9, replay}) {
        const auto again = issuer.apply({copy});
        CHECK(again.at(0).outcome == Outcome::Issued);
        CHECK(again.at(0).coupon_id == replayed.at(0).coupon_id);
    }
    CHECK(raw.column("SELECT outcome FROM coupon_issue_request") == std::vector<std::string>{"ISSUED"});
    CHECK(raw.scalar("SELECT COUNT(*) FROM coupon") == 1);
    CHECK(raw.scalar("SELECT issued_quantity FROM coupon_policy") == 1);
}

TEST_CASE("the store itself refuses to turn FAILED into a decision unless it is a replay", "[store]") {
    // The decision was planned on a stale read: on PostgreSQL (READ COMMITTED) the dead letter may commit
    // FAILED between this transaction's read of the outcomes and its write. The write must not go through.
    test::StoreFixture f;
    const auto policy = f.db->queries().create_policy(test::new_policy("p", 5));
    auto store = f.db->issue_store();
    auto r9 = request("r9", 7, policy.id);
    CHECK(test::dead_letter_for(*f.db, r9, "dead-lettered meanwhile").has_value());

    const auto decision_for = [](const domain::IssueRequest& r) {
        return std::vector<domain::IssueDecision>{issued_decision(r, 4)};
    };
    RawDb raw(f.url);
    {
        auto decisions = decision_for(r9);
        auto tx = store->begin();
        tx->lock_policies({policy.id});
        CHECK_THROWS_AS(tx->write(decisions, {{policy.id, 1}}), domain::StoreError);
    }  // rolled back
    CHECK(raw.column("SELECT outcome FROM coupon_issue_request") == std::vector<std::string>{"FAILED"});
    CHECK(raw.scalar("SELECT COUNT(*) FROM coupon") == 0);
    CHECK(raw.scalar("SELECT issued_quantity FROM coupon_policy") == 0);

    r9.replay = true;
    auto decisions = decision_for(r9);
    auto tx = store->begin();
    tx->lock_policies({policy.id});
    tx->write(decisions, {{policy.id, 1}});
    tx->commit();
    CHECK(raw.column("SELECT outcome FROM coupon_issue_request") == std::vector<std::string>{"ISSUED"});
    CHECK(raw.scalar("SELECT COUNT(*) FROM coupon") == 1);
}

TEST_CASE("a batch of many statements' rows keeps every coupon with its own request", "[store]") {
    // SQLite writes up to 256 rows a statement (then 64, 16, 4, 1) and takes each chunk's coupon ids from
    // the last insert: 350 decisions use every chunk size. Holders, twins, replays and a stock that runs
    // out are spread through the batch, so the issued rows are not one contiguous run.
    test::StoreFixture f;
    const test::ManualClock clock(test::at("2026-12-01T10:00:00Z"));
    auto& q = f.db->queries();
    const auto policy = q.create_policy(test::new_policy("stock 300", 300));
    auto store = f.db->issue_store();
    domain::CouponIssuer issuer(*store, clock);
    RawDb raw(f.url);

    std::vector<domain::IssueRequest> earlier;
    for (int user = 0; user < 350; user += 7) earlier.push_back(request(fmt::format("held-{}", user), user, policy.id));
    REQUIRE(issuer.apply(earlier).size() == 50);
    // Dead-lettered requests: their copies in the batch stay FAILED, their replays are decided.
    const auto dead = request("dead-1", 1001, policy.id);
    auto replayed = request("dead-2", 1002, policy.id);
    CHECK(test::dead_letter_for(*f.db, dead, "poison").has_value());
    CHECK(test::dead_letter_for(*f.db, replayed, "poison").has_value());
    replayed.replay = true;

    std::vector<domain::IssueRequest> batch;
    for (int user = 0; user < 350; ++user) {
        batch.push_back(request(fmt::format("b-{:03}", user), user, policy.id));
        if (user == 100) batch.push_back(dead);
        if (user == 200) batch.push_back(replayed);
        if (user == 150) batch.push_back(request("b-150-twin", 150, policy.id));  // same user, later
    }
    const auto results = issuer.apply(batch);
    REQUIRE(results.size() == batch.size());
    long long issued = 0;
    std::set<std::int64_t> coupon_ids;
    for (const auto& r : results) {
        INFO(r.request_id);
        if (r.outcome != Outcome::Issued) {
            CHECK_FALSE(r.coupon_id.has_value());
            continue;
        }
        ++issued;
        REQUIRE(r.coupon_id.has_value());
        CHECK(coupon_ids.insert(*r.coupon_id).second);
        // The id the consumer publishes is the row made for this very request.
        CHECK(raw.column(fmt::format("SELECT request_id || ' ' || user_id FROM coupon WHERE id = {}", *r.coupon_id)) ==
              std::vector<std::string>{fmt::format("{} {}", r.request_id, r.user_id)});
    }
    // 300 in stock, 50 held before: 250 issued here, the replay among them (it comes before the stock runs out).
    CHECK(issued == 250);
    CHECK(results[101].outcome == Outcome::Failed);
    CHECK(results[203].outcome == Outcome::Issued);
    CHECK(raw.scalar("SELECT COUNT(*) FROM coupon") == 300);
    CHECK(raw.scalar("SELECT issued_quantity FROM coupon_policy") == 300);
    CHECK(raw.scalar("SELECT COUNT(*) FROM coupon_issue_request r JOIN coupon c ON c.id = r.coupon_id "
                     "AND c.request_id = r.request_id AND c.user_id = r.user_id WHERE r.outcome = 'ISSUED'") == 300);
    CHECK(raw.scalar("SELECT COUNT(*) FROM coupon_issue_request WHERE outcome = 'ALREADY_ISSUED'") == 51);
    CHECK(raw.scalar("SELECT COUNT(*) FROM coupon_issue_request WHERE outcome = 'SOLD_OUT'") ==
          static_cast<long long>(batch.size()) - 250 - 51 - 1);
    CHECK(raw.scalar("SELECT COUNT(*) FROM coupon_issue_request") == static_cast<long long>(batch.size()) + 50);
}

TEST_CASE("a decided request in a chunk of many rows refuses the whole write", "[store]") {
    // One row of 300 must not turn a FAILED into a coupon: the chunk's changed-row count gives it away, and
    // the transaction (every chunk before it included) rolls back.
    test::StoreFixture f;
    const auto policy = f.db->queries().create_policy(test::new_policy("p", 1000));
    auto store = f.db->issue_store();
    const auto dead = request("r-dead", 9999, policy.id);
    CHECK(test::dead_letter_for(*f.db, dead, "dead-lettered meanwhile").has_value());

    std::vector<domain::IssueDecision> decisions;
    for (int i = 0; i < 300; ++i) {
        decisions.push_back(issued_decision(i == 270 ? dead : request(fmt::format("r-{}", i), i, policy.id)));
    }
    RawDb raw(f.url);
    {
        auto tx = store->begin();
        tx->lock_policies({policy.id});
        CHECK_THROWS_AS(tx->write(decisions, {{policy.id, 300}}), domain::StoreError);
    }  // rolled back
    CHECK(raw.column("SELECT outcome FROM coupon_issue_request") == std::vector<std::string>{"FAILED"});
    CHECK(raw.scalar("SELECT COUNT(*) FROM coupon") == 0);
    CHECK(raw.scalar("SELECT issued_quantity FROM coupon_policy") == 0);
}

TEST_CASE("a coupon for a policy that does not exist is refused with its whole batch", "[store]") {
    // The planner never issues for a policy it did not find; if a decision ever did, the store refuses it
    // because the batch's issued counts leave that coupon out (issued_counts.hpp; sql/postgresql/005 and
    // sql/sqlite/007 dropped the foreign key that checked it row by row).
    test::StoreFixture f;
    const auto policy = f.db->queries().create_policy(test::new_policy("p", 10));
    auto store = f.db->issue_store();
    std::vector<domain::IssueDecision> decisions{issued_decision(request("r-ok", 1, policy.id)),
                                                 issued_decision(request("r-ghost", 2, policy.id + 1000))};
    {
        auto tx = store->begin();
        tx->lock_policies({policy.id});
        CHECK_THROWS_AS(tx->write(decisions, {{policy.id, 1}}), domain::StoreError);
    }  // rolled back
    {
        // Counted as issued too: there is no such policy to count it in.
        auto tx = store->begin();
        tx->lock_policies({policy.id});
        CHECK_THROWS_AS(tx->write(decisions, {{policy.id, 1}, {policy.id + 1000, 1}}), domain::StoreError);
    }
    RawDb raw(f.url);
    CHECK(raw.scalar("SELECT COUNT(*) FROM coupon") == 0);
    CHECK(raw.scalar("SELECT COUNT(*) FROM coupon_issue_request") == 0);
    CHECK(raw.scalar("SELECT issued_quantity FROM coupon_policy") == 0);
}
