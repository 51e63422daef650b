// What the front end remembers to answer at the edge (docs/edge-answers.md): it may miss, never invent.
#include <catch2/catch.hpp>

#include <map>

#include "coupon/domain/store_error.hpp"
#include "coupon/http/holder_memory.hpp"
#include "policy_catalog.hpp"

using namespace coupon;
using domain::Outcome;
using domain::PolicyId;

namespace {

domain::IssueResult result(domain::UserId user, PolicyId policy, Outcome outcome) {
    domain::IssueResult r;
    r.request_id = "r-" + std::to_string(user) + "-" + std::to_string(policy);
    r.user_id = user;
    r.policy_id = policy;
    r.outcome = outcome;
    return r;
}

// The policies table as policies_after() reads it; `down` throws like a database that does not answer.
class PolicyTable : public domain::CouponQueries {
public:
    std::map<PolicyId, domain::CouponPolicy> rows;
    bool down = false;

    void add(PolicyId id) { rows[id].id = id; }
    std::vector<domain::CouponPolicy> policies_after(PolicyId after, std::size_t limit) override {
        if (down) throw domain::StoreError("database down");
        std::vector<domain::CouponPolicy> out;
        for (auto it = rows.upper_bound(after); it != rows.end() && out.size() < limit; ++it) out.push_back(it->second);
        return out;
    }
    domain::CouponPolicy create_policy(const domain::NewCouponPolicy&) override { return {}; }
    std::optional<domain::CouponPolicy> find_policy(PolicyId id) override {
        if (down) throw domain::StoreError("database down");
        const auto it = rows.find(id);
        return it == rows.end() ? std::nullopt : std::optional(it->second);
    }
    std::optional<domain::IssueResult> find_result(const std::string&) override { return std::nullopt; }
    std::vector<domain::Coupon> coupons_of(domain::UserId) override { return {}; }
    std::vector<PolicyId> sold_out_policies() override { return {}; }
    bool ping() override { return true; }
};

using Steady = http::PolicyCatalog::SteadyTime;
const Steady t0 = Steady{} + std::chrono::hours(1);
// The wall clock at t0 (the catalog compares windows read from the database with it).
const domain::TimePoint w0 = domain::TimePoint{} + std::chrono::hours(24 * 365 * 56);

domain::TimePoint wall(Steady at) {
    return w0 + std::chrono::duration_cast<std::chrono::milliseconds>(at - t0);
}

void refresh(http::PolicyCatalog& catalog, PolicyTable& table, Steady at) {
    REQUIRE(catalog.begin_refresh(at));
    catalog.refresh(table, at, wall(at));
}

}  // namespace

TEST_CASE("holders: issued and already-issued results make a holder, nothing else does", "[unit][edge]") {
    http::HolderMemory holders(10);
    holders.learn(result(1, 7, Outcome::Issued));
    holders.learn(result(2, 7, Outcome::AlreadyIssued));
    for (Outcome other : {Outcome::SoldOut, Outcome::NotFound, Outcome::NotOpen, Outcome::Failed, Outcome::Pending}) {
        holders.learn(result(3, 7, other));
    }
    CHECK(holders.holds(1, 7));
    CHECK(holders.holds(2, 7));
    CHECK_FALSE(holders.holds(3, 7));
    CHECK_FALSE(holders.holds(1, 8));
}

TEST_CASE("holders: past the bound the oldest pair is forgotten, and 0 remembers nothing", "[unit][edge]") {
    http::HolderMemory holders(2);
    holders.learn(result(1, 7, Outcome::Issued));
    holders.learn(result(2, 7, Outcome::Issued));
    holders.learn(result(3, 7, Outcome::Issued));
    CHECK(holders.size() == 2);
    CHECK_FALSE(holders.holds(1, 7));  // forgotten: a miss, and the claim goes to the consumer
    CHECK(holders.holds(3, 7));
    http::HolderMemory off(0);
    off.learn(result(1, 7, Outcome::Issued));
    CHECK_FALSE(off.holds(1, 7));
}

TEST_CASE("catalog: an id is absent only below what a refresh a settle time later has read again", "[unit][edge]") {
    http::PolicyCatalog catalog;
    PolicyTable table;
    table.add(1);
    table.add(3);
    refresh(catalog, table, t0);
    CHECK(catalog.find(1, t0).policy);
    CHECK_FALSE(catalog.find(2, t0).absent);  // one refresh: 2 may be an insert that commits a moment later
    CHECK_FALSE(catalog.begin_refresh(t0 + std::chrono::milliseconds(500)));  // at most one a second
    table.add(2);                                                                // ... and it did
    refresh(catalog, table, t0 + http::PolicyCatalog::kSettle);
    CHECK(catalog.trusted_max() == 3);
    CHECK(catalog.find(2, t0).policy);
    table.add(5);
    refresh(catalog, table, t0 + 2 * http::PolicyCatalog::kSettle);
    CHECK(catalog.find(4, t0).absent == false);  // 5 was read once only: 4 is not trusted yet
    refresh(catalog, table, t0 + 3 * http::PolicyCatalog::kSettle);
    CHECK(catalog.find(4, t0).absent);
    CHECK_FALSE(catalog.find(6, t0).absent);  // above everything read: another node may have just created it
}

TEST_CASE("catalog: a full batch trusts only what it read, and a database that does not answer changes nothing",
          "[unit][edge]") {
    http::PolicyCatalog catalog;
    PolicyTable table;
    for (PolicyId id = 1; id <= static_cast<PolicyId>(http::PolicyCatalog::kRefreshBatch) + 10; ++id) table.add(id);
    refresh(catalog, table, t0);
    refresh(catalog, table, t0 + http::PolicyCatalog::kSettle);
    CHECK(catalog.trusted_max() == static_cast<PolicyId>(http::PolicyCatalog::kRefreshBatch));
    table.down = true;
    refresh(catalog, table, t0 + 2 * http::PolicyCatalog::kSettle);
    CHECK(catalog.trusted_max() == static_cast<PolicyId>(http::PolicyCatalog::kRefreshBatch));
    CHECK(catalog.begin_refresh(t0 + 3 * http::PolicyCatalog::kSettle));  // the failed refresh ended its flight
}

// docs/policy-lifecycle.md: an operator may change a window until domain::kScheduleLead before it opens.
TEST_CASE("catalog: a policy not open yet is answered from only while fresh, and a refresh re-reads it",
          "[unit][edge][lifecycle]") {
    using std::chrono::seconds;
    http::PolicyCatalog catalog;
    PolicyTable table;
    table.add(1);
    table.rows[1].issue_start_at = w0 + std::chrono::hours(1);
    refresh(catalog, table, t0);
    const auto fresh = catalog.find(1, t0 + seconds(2));
    REQUIRE(fresh.policy);
    CHECK_FALSE(fresh.policy->open_at(wall(t0 + seconds(2))));  // the edge may say NOT_OPEN
    CHECK(fresh.reread);                                          // ... and asks for a re-read
    // Another node moved the opening to 20 s after t0; without a re-read the entry goes stale and is not used.
    table.rows[1].issue_start_at = w0 + seconds(20);
    table.rows[1].revision = 1;
    CHECK_FALSE(catalog.find(1, t0 + http::PolicyCatalog::kFreshFor).policy);
    refresh(catalog, table, t0 + seconds(6));
    const auto reread = catalog.find(1, t0 + seconds(6));
    REQUIRE(reread.policy);
    CHECK(reread.policy->issue_start_at == w0 + seconds(20));
    // Read after the opening: settled, answered from for good (closed windows stay answered at the edge).
    refresh(catalog, table, t0 + seconds(21));
    const auto late = catalog.find(1, t0 + std::chrono::hours(5));
    REQUIRE(late.policy);
    CHECK_FALSE(late.reread);
}

TEST_CASE("catalog: a closed policy is settled, and an older read never replaces a newer revision", "[unit][edge][lifecycle]") {
    http::PolicyCatalog catalog;
    domain::CouponPolicy policy;
    policy.id = 4;
    policy.issue_start_at = w0 + std::chrono::hours(1);
    policy.status = domain::PolicyStatus::Closed;
    policy.revision = 2;
    catalog.remember(policy, t0, w0);
    const auto later = catalog.find(4, t0 + std::chrono::hours(3));
    REQUIRE(later.policy);
    CHECK(later.policy->status == domain::PolicyStatus::Closed);
    domain::CouponPolicy older = policy;
    older.status = domain::PolicyStatus::Active;
    older.revision = 1;
    catalog.remember(older, t0 + std::chrono::seconds(1), w0);
    CHECK(catalog.find(4, t0).policy->status == domain::PolicyStatus::Closed);
}
