// Embedded migrations: applied once, recorded in schema_version, never re-applied on reopen.
#include <catch2/catch.hpp>

#include "store_fixture.hpp"

using namespace coupon;
using coupon::test::RawDb;

TEST_CASE("a fresh database gets every migration once, recorded in schema_version", "[store]") {
    test::StoreFixture f;
    RawDb raw(f.url);
    CHECK(raw.column("SELECT version FROM schema_version ORDER BY version") ==
          std::vector<std::string>{"1", "2", "3", "4", "5", "6", "7"});
    // The hot table keeps only its primary key's index: every other index costs each request a write
    // (003_hot_path_indexes.sql).
    const char* indexes = test::kPostgresql
                              ? "SELECT indexname FROM pg_indexes WHERE tablename = 'coupon_issue_request' AND "
                                "indexname <> 'coupon_issue_request_pkey'"
                              : "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = "
                                "'coupon_issue_request' AND sql IS NOT NULL";
    CHECK(raw.column(indexes).empty());
    // The hot tables' foreign keys cost every issued coupon a row check (PostgreSQL's 005, SQLite's 007
    // rebuilds); the batch's issued counts guard what they did (issued_counts.hpp).
    const char* foreign_keys =
        test::kPostgresql ? "SELECT conname FROM pg_constraint WHERE contype = 'f' AND conrelid::regclass::text IN "
                            "('coupon', 'coupon_issue_request') ORDER BY conname"
                          : "SELECT 'coupon ' || \"table\" FROM pragma_foreign_key_list('coupon') UNION ALL "
                            "SELECT 'coupon_issue_request ' || \"table\" FROM pragma_foreign_key_list('coupon_issue_request')";
    CHECK(raw.column(foreign_keys).empty());
    // A request id compares byte for byte whatever the database's locale (006_request_id_collation.sql):
    // under en_US.UTF-8 its primary key's comparisons went through strcoll.
    if (test::kPostgresql) {
        CHECK(raw.column("SELECT collation_name FROM information_schema.columns WHERE table_schema = current_schema() "
                         "AND table_name = 'coupon_issue_request' AND column_name = 'request_id'") ==
              std::vector<std::string>{"C"});
    }
    const char* tables = test::kPostgresql ? "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = "
                                             "current_schema() AND table_type = 'BASE TABLE'"
                                           : "SELECT name FROM sqlite_master WHERE type = 'table'";
    CHECK(raw.column(fmt::format("SELECT name FROM ({}) AS t WHERE name IN ('coupon_policy', 'coupon', "
                                 "'coupon_issue_request', 'dead_letter', 'coupon_policy_change') ORDER BY name",
                                 tables)) ==
          std::vector<std::string>{"coupon", "coupon_issue_request", "coupon_policy", "coupon_policy_change",
                                   "dead_letter"});
    // The stock invariant is in the schema itself, not only in the code.
    raw.exec("INSERT INTO coupon_policy(name, discount_type, discount_value, total_quantity, created_at) "
             "VALUES('x', 'AMOUNT', 1, 1, '2026-01-01T00:00:00.000Z')");
    REQUIRE_THROWS(raw.exec("UPDATE coupon_policy SET issued_quantity = 2"));
    // So is the set of statuses an operator can give a policy (004_policy_lifecycle.sql).
    CHECK(raw.column("SELECT status || ' ' || revision FROM coupon_policy") == std::vector<std::string>{"ACTIVE 0"});
    REQUIRE_THROWS(raw.exec("UPDATE coupon_policy SET status = 'GONE'"));
}

TEST_CASE("reopening applies nothing twice and keeps the data", "[store]") {
    test::StoreFixture f;
    const auto policy = f.db->queries().create_policy(test::new_policy("kept", 5));
    const test::ManualClock clock(test::at("2026-12-01T10:00:00Z"));
    {
        auto store = f.db->issue_store();
        domain::CouponIssuer issuer(*store, clock);
        REQUIRE(issuer.apply({test::request("r1", 1, policy.id)}).at(0).outcome == domain::Outcome::Issued);
    }
    std::vector<std::string> before;
    {
        RawDb raw(f.url);
        before = raw.column("SELECT version || ' ' || applied_at FROM schema_version ORDER BY version");
    }
    f.db.reset();
    f.db = store::Database::open(f.config(std::chrono::milliseconds(5000)));
    f.db.reset();
    f.db = store::Database::open(f.config(std::chrono::milliseconds(5000)));

    RawDb raw(f.url);
    CHECK(raw.column("SELECT version || ' ' || applied_at FROM schema_version ORDER BY version") == before);
    const auto found = f.db->queries().find_policy(policy.id);
    REQUIRE(found.has_value());
    CHECK(found->issued_quantity == 1);
    CHECK(raw.scalar("SELECT COUNT(*) FROM coupon") == 1);
    CHECK(f.db->queries().find_result("r1").value().outcome == domain::Outcome::Issued);
}

TEST_CASE("the database's identity is written at the first open and read by every later one", "[store]") {
    // Nodes compare it to find out they do not share one database (issue 8 item 12).
    test::StoreFixture f;
    const std::string id = f.db->identity();
    CHECK(id.size() == 32);
    f.db.reset();
    f.db = store::Database::open(f.config(std::chrono::milliseconds(5000)));
    CHECK(f.db->identity() == id);
    RawDb raw(f.url);
    CHECK(raw.column("SELECT id FROM coupon_database_identity") == std::vector<std::string>{id});
    test::StoreFixture other;
    CHECK(other.db->identity() != id);
}
