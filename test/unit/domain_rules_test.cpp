// Issuing rules (DESIGN.md section 4) against the in-memory store and a fake clock.
#include <catch2/catch.hpp>

#include "coupon/domain/coupon_issuer.hpp"
#include "coupon/domain/policy_lifecycle.hpp"
#include "coupon/base/time_format.hpp"
#include "in_memory_store.hpp"
#include "manual_clock.hpp"

using namespace coupon::domain;
using coupon::base::format_time;
using coupon::base::is_storable_time;
using coupon::base::parse_time;
using coupon::test::InMemoryStore;

namespace {

TimePoint at(const char* iso) { return parse_time(iso).value(); }

IssueRequest req(std::string id, UserId user, PolicyId policy) {
    IssueRequest r;
    r.request_id = std::move(id);
    r.user_id = user;
    r.policy_id = policy;
    return r;
}

CouponPolicy policy(PolicyId id, std::int64_t total) {
    CouponPolicy p;
    p.id = id;
    p.name = "p";
    p.total_quantity = total;
    return p;
}

struct Fixture {
    InMemoryStore store;
    coupon::test::ManualClock clock{at("2026-12-01T10:00:00Z")};
    CouponIssuer issuer{store, clock};
};

}  // namespace

TEST_CASE("a fresh request for an open policy with stock is issued", "[domain]") {
    Fixture f;
    f.store.add_policy(policy(7, 2));
    auto results = f.issuer.apply({req("r1", 42, 7)});
    REQUIRE(results.size() == 1);
    CHECK(results[0].outcome == Outcome::Issued);
    REQUIRE(results[0].coupon_id.has_value());
    CHECK(results[0].remaining == 1);
    CHECK(f.store.snapshot().policies.at(7).issued_quantity == 1);
    CHECK(f.store.snapshot().coupons.size() == 1);
}

TEST_CASE("each outcome in one batch equals applying the requests one by one", "[domain]") {
    Fixture f;
    f.store.add_policy(policy(1, 2));
    CouponPolicy closed = policy(2, 10);
    closed.issue_start_at = at("2026-12-02T00:00:00Z");
    f.store.add_policy(closed);

    std::vector<IssueRequest> batch{req("a", 1, 1), req("b", 1, 1), req("c", 2, 1), req("d", 3, 1),
                                    req("e", 4, 99), req("f", 5, 2)};
    auto results = f.issuer.apply(batch);
    REQUIRE(results.size() == batch.size());
    CHECK(results[0].outcome == Outcome::Issued);
    CHECK(results[1].outcome == Outcome::AlreadyIssued);
    CHECK(results[2].outcome == Outcome::Issued);
    CHECK(results[3].outcome == Outcome::SoldOut);
    CHECK(results[4].outcome == Outcome::NotFound);
    CHECK(results[5].outcome == Outcome::NotOpen);
    CHECK(results[3].remaining == 0);

    // The same requests one per batch on a fresh store give the same outcomes.
    Fixture g;
    g.store.add_policy(policy(1, 2));
    g.store.add_policy(closed);
    for (std::size_t i = 0; i < batch.size(); ++i) {
        CHECK(g.issuer.apply({batch[i]})[0].outcome == results[i].outcome);
    }
}

TEST_CASE("a redelivered request keeps its first outcome, never ALREADY_ISSUED for its own coupon", "[domain]") {
    Fixture f;
    f.store.add_policy(policy(7, 1));
    auto first = f.issuer.apply({req("r1", 42, 7)});
    auto again = f.issuer.apply({req("r1", 42, 7), req("r2", 43, 7)});
    CHECK(again[0].outcome == Outcome::Issued);
    CHECK(again[0].coupon_id == first[0].coupon_id);
    CHECK(again[1].outcome == Outcome::SoldOut);
    CHECK(f.store.snapshot().coupons.size() == 1);

    // A record the broker stored twice inside one batch is decided once.
    f.store.add_policy(policy(8, 5));
    auto dup = f.issuer.apply({req("x", 1, 8), req("x", 1, 8)});
    CHECK(dup[0].outcome == Outcome::Issued);
    CHECK(dup[1].outcome == Outcome::Issued);
    CHECK(dup[0].coupon_id == dup[1].coupon_id);
    CHECK(f.store.snapshot().policies.at(8).issued_quantity == 1);
}

TEST_CASE("issue window edges are inclusive", "[domain]") {
    Fixture f;
    CouponPolicy p = policy(7, 10);
    p.issue_start_at = at("2026-12-01T10:00:00Z");
    p.issue_end_at = at("2026-12-01T11:00:00Z");
    f.store.add_policy(p);

    f.clock.set(at("2026-12-01T09:59:59.999Z"));
    CHECK(f.issuer.apply({req("early", 1, 7)})[0].outcome == Outcome::NotOpen);
    f.clock.set(at("2026-12-01T10:00:00Z"));
    CHECK(f.issuer.apply({req("start", 2, 7)})[0].outcome == Outcome::Issued);
    f.clock.set(at("2026-12-01T11:00:00Z"));
    CHECK(f.issuer.apply({req("end", 3, 7)})[0].outcome == Outcome::Issued);
    f.clock.set(at("2026-12-01T11:00:00.001Z"));
    CHECK(f.issuer.apply({req("late", 4, 7)})[0].outcome == Outcome::NotOpen);
}

TEST_CASE("a failed store commits nothing and the retried batch decides the same", "[domain]") {
    Fixture f;
    f.store.add_policy(policy(7, 1));
    f.store.fail_next(1);
    REQUIRE_THROWS_AS(f.issuer.apply({req("r1", 1, 7)}), StoreError);
    CHECK(f.store.snapshot().results.empty());
    CHECK(f.issuer.apply({req("r1", 1, 7)})[0].outcome == Outcome::Issued);
}

TEST_CASE("a dead-lettered request stays FAILED for its copies, the operator's replay gets a normal outcome",
          "[domain]") {
    Fixture f;
    f.store.add_policy(policy(7, 1));
    // Simulate the DLT consumer's record: outcome FAILED, nothing issued.
    {
        auto tx = f.store.begin();
        std::vector<IssueDecision> d{{req("r1", 1, 7), IssueResult{"r1", 1, 7, Outcome::Failed, {}, {}, {}, -1, "db"}}};
        tx->write(d, {});
        tx->commit();
    }
    // A twin copy (not a replay): the client was told FAILED, so FAILED it stays.
    CHECK(f.issuer.apply({req("r1", 1, 7)})[0].outcome == Outcome::Failed);
    CHECK(f.store.snapshot().policies.at(7).issued_quantity == 0);
    IssueRequest replay = req("r1", 1, 7);
    replay.replay = true;
    CHECK(f.issuer.apply({replay})[0].outcome == Outcome::Issued);
    CHECK(f.issuer.apply({replay})[0].outcome == Outcome::Issued);
    CHECK(f.issuer.apply({req("r1", 1, 7)})[0].outcome == Outcome::Issued);
    CHECK(f.store.snapshot().policies.at(7).issued_quantity == 1);
}

TEST_CASE("outcome names and codes round-trip", "[domain]") {
    for (Outcome o : {Outcome::Pending, Outcome::Issued, Outcome::AlreadyIssued, Outcome::SoldOut, Outcome::NotFound,
                      Outcome::NotOpen, Outcome::Failed}) {
        CHECK(parse_outcome(to_string(o)) == o);
    }
    CHECK(error_code(Outcome::SoldOut) == "COUPON_SOLD_OUT");
    CHECK(error_code(Outcome::NotOpen) == "COUPON_ISSUE_NOT_OPEN");
    CHECK_FALSE(parse_outcome("BOGUS").has_value());
}

TEST_CASE("ISO 8601 times parse with offsets and format as UTC", "[domain]") {
    CHECK(format_time(at("2026-12-01T10:00:00+09:00")) == "2026-12-01T01:00:00.000Z");
    CHECK(format_time(at("2026-12-01T10:00:00.5Z")) == "2026-12-01T10:00:00.500Z");
    CHECK(format_time(at("2026-12-01T10:00:00")) == "2026-12-01T10:00:00.000Z");
    CHECK_FALSE(parse_time("2026-13-01T10:00:00Z").has_value());
    CHECK_FALSE(parse_time("yesterday").has_value());
    CHECK_FALSE(parse_time("2026-12-01T10:00:00+9").has_value());
}

TEST_CASE("a storable time is one format_time writes and parse_time reads back", "[domain]") {
    using namespace std::chrono;
    for (const TimePoint t : {at("0000-01-01T00:00:00Z"), at("2026-12-01T10:00:00.5Z"), at("9999-12-31T23:59:59.999Z")}) {
        CHECK(is_storable_time(t));
        CHECK(parse_time(format_time(t)) == t);
    }
    const TimePoint before_year_0 = at("0000-01-01T00:00:00Z") - milliseconds(1);
    const TimePoint year_10000 = at("9999-12-31T23:59:59.999Z") + milliseconds(1);
    for (const TimePoint t : {before_year_0, year_10000, TimePoint{milliseconds{1'000'000'000'000'000}}}) {
        CHECK_FALSE(is_storable_time(t));
        CHECK_FALSE(parse_time(format_time(t)).has_value());  // why they are refused: no way back from the text
    }
}

// docs/policy-lifecycle.md: the rules of an operator's change, alone.
TEST_CASE("policy changes: the stock never below what is issued, the window fixed from 10 s before it opens",
          "[domain][lifecycle]") {
    CouponPolicy p = policy(7, 100);
    p.issue_start_at = at("2026-12-01T10:00:00Z");
    p.issued_quantity = 30;  // not reachable before the opening through the API, but the rule holds regardless
    PolicyChange cut{PolicyAction::Edit, {}};
    cut.edit.total_quantity = 29;
    CHECK(apply_change(p, cut, at("2026-12-01T09:00:00Z")) == ChangeRefusal::BelowIssued);
    cut.edit.total_quantity = 30;
    CHECK_FALSE(apply_change(p, cut, at("2026-12-01T09:00:00Z")));
    CHECK(p.total_quantity == 30);
    CHECK(p.revision == 1);
    CHECK(apply_change(p, cut, at("2026-12-01T09:59:50.001Z")) == ChangeRefusal::AlreadyOpen);
    PolicyChange backwards{PolicyAction::Edit, {}};
    backwards.edit.set_end = true;
    backwards.edit.issue_end_at = at("2026-12-01T09:30:00Z");
    CHECK(apply_change(p, backwards, at("2026-12-01T09:00:00Z")) == ChangeRefusal::BadWindow);
    CouponPolicy always_open = policy(8, 10);  // no start: open since its creation
    CHECK(apply_change(always_open, cut, at("2026-12-01T09:00:00Z")) == ChangeRefusal::AlreadyOpen);
    CHECK(p.revision == 1);  // refusals change nothing
}

TEST_CASE("a paused or closed policy: PAUSED / CLOSED after the window, holder and stock checks", "[domain][lifecycle]") {
    Fixture f;
    CouponPolicy paused = policy(1, 1);
    paused.status = PolicyStatus::Paused;
    f.store.add_policy(paused);
    CouponPolicy closed = policy(2, 5);
    closed.status = PolicyStatus::Closed;
    closed.issue_start_at = at("2026-12-02T00:00:00Z");
    f.store.add_policy(closed);
    const auto results = f.issuer.apply({req("a", 1, 1), req("b", 1, 2)});
    CHECK(results[0].outcome == Outcome::Paused);
    CHECK(results[1].outcome == Outcome::NotOpen);  // the window first, as the edge answers it
    CHECK(error_code(Outcome::Paused) == "COUPON_ISSUE_PAUSED");
    CHECK(error_code(Outcome::Closed) == "COUPON_ISSUE_CLOSED");
    CHECK(is_final(Outcome::Paused));
    CHECK(parse_outcome("CLOSED") == Outcome::Closed);
}
