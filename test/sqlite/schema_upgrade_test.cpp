// A database made by an earlier release, opened by this one: the migrations it lacks rebuild tables without
// losing a row (sql/sqlite/007_drop_hot_path_foreign_keys.sql).
#include <catch2/catch.hpp>

#include <fstream>

#include "embedded_sql.hpp"
#include "store_fixture.hpp"

using namespace coupon;
using coupon::test::RawDb;
using coupon::test::TempDir;

namespace {

// The file as a release whose newest migration was `last_version` left it.
void make_database_at(const std::string& file, int last_version) {
    { std::ofstream create(file); }  // an empty file is an empty SQLite database
    RawDb raw("sqlite:" + file);
    raw.exec("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)");
    for (const store::SqlFile& file : store::sqlite_migration_files()) {
        const int version = std::stoi(std::string(file.name.substr(0, 3)));
        if (version > last_version) break;
        raw.exec(std::string(file.text));
        raw.exec(fmt::format("INSERT INTO schema_version VALUES({}, '2026-11-01T00:00:00.000Z')", version));
    }
}

}  // namespace

TEST_CASE("a database from before 007 keeps every coupon and outcome, and its coupon ids go on", "[sqlite]") {
    TempDir dir;
    const std::string file = dir.path() + "/coupons.db";
    const std::string url = "sqlite:" + file;
    make_database_at(file, 6);
    {
        RawDb raw(url);
        raw.exec("PRAGMA foreign_keys = ON");
        raw.exec("INSERT INTO coupon_policy(name, discount_type, discount_value, total_quantity, issued_quantity, "
                 "created_at) VALUES('old', 'AMOUNT', 500, 10, 2, '2026-11-01T00:00:00.000Z')");
        raw.exec("INSERT INTO coupon(user_id, coupon_policy_id, request_id, kafka_partition, kafka_offset, issued_at) "
                 "VALUES(7, 1, 'r-7', 3, 40, '2026-11-01T00:00:01.000Z'), (8, 1, 'r-8', 3, 41, "
                 "'2026-11-01T00:00:02.000Z'), (9, 1, 'r-9', 3, 42, '2026-11-01T00:00:03.000Z')");
        // Nothing of the service deletes a coupon; an operator's hand did. Its id is still never reused.
        raw.exec("DELETE FROM coupon WHERE id = 3");
        raw.exec("INSERT INTO coupon_issue_request(request_id, user_id, coupon_policy_id, outcome, coupon_id, "
                 "kafka_partition, kafka_offset, requested_at, decided_at, remaining, error) VALUES"
                 "('r-7', 7, 1, 'ISSUED', 1, 3, 40, '2026-11-01T00:00:00.500Z', '2026-11-01T00:00:01.000Z', 9, NULL),"
                 "('r-8', 8, 1, 'ISSUED', 2, 3, 41, '2026-11-01T00:00:01.500Z', '2026-11-01T00:00:02.000Z', 8, NULL),"
                 "('r-x', 5, 99, 'NOT_FOUND', NULL, 2, 7, '2026-11-01T00:00:02.500Z', '2026-11-01T00:00:03.000Z', -1,"
                 " NULL)");
        REQUIRE(raw.column("SELECT \"table\" FROM pragma_foreign_key_list('coupon')") ==
                std::vector<std::string>{"coupon_policy"});
        // What an operator added (docs/architecture.md invites an index of one's own for audits): an index of
        // each rebuilt table, a view over both, a trigger on one.
        raw.exec("CREATE INDEX audit_outcomes_by_user ON coupon_issue_request (user_id)");
        raw.exec("CREATE INDEX audit_coupons_by_request ON coupon (request_id)");
        raw.exec("CREATE VIEW audit_issued AS SELECT r.request_id, c.id AS coupon_id FROM coupon_issue_request r "
                 "JOIN coupon c ON c.id = r.coupon_id");
        raw.exec("CREATE TABLE audit_log (coupon_id INTEGER)");
        raw.exec("CREATE TRIGGER audit_new_coupon AFTER INSERT ON coupon BEGIN INSERT INTO audit_log VALUES (NEW.id); "
                 "END");
    }
    store::DatabaseConfig config;
    config.url = url;
    auto db = store::Database::open(config);

    RawDb raw(url);
    CHECK(raw.column("SELECT MAX(version) FROM schema_version") == std::vector<std::string>{"7"});
    CHECK(raw.column("SELECT id || ' ' || user_id || ' ' || coupon_policy_id || ' ' || request_id || ' ' || "
                     "kafka_partition || ' ' || kafka_offset || ' ' || issued_at FROM coupon ORDER BY id") ==
          std::vector<std::string>{"1 7 1 r-7 3 40 2026-11-01T00:00:01.000Z", "2 8 1 r-8 3 41 2026-11-01T00:00:02.000Z"});
    CHECK(raw.column("SELECT request_id || ' ' || user_id || ' ' || coupon_policy_id || ' ' || outcome || ' ' || "
                     "IFNULL(coupon_id, '-') || ' ' || kafka_partition || ' ' || kafka_offset || ' ' || requested_at "
                     "|| ' ' || decided_at || ' ' || remaining || ' ' || IFNULL(error, '-') FROM coupon_issue_request "
                     "ORDER BY request_id") ==
          std::vector<std::string>{
              "r-7 7 1 ISSUED 1 3 40 2026-11-01T00:00:00.500Z 2026-11-01T00:00:01.000Z 9 -",
              "r-8 8 1 ISSUED 2 3 41 2026-11-01T00:00:01.500Z 2026-11-01T00:00:02.000Z 8 -",
              "r-x 5 99 NOT_FOUND - 2 7 2026-11-01T00:00:02.500Z 2026-11-01T00:00:03.000Z -1 -"});
    CHECK(raw.column("SELECT \"table\" FROM pragma_foreign_key_list('coupon') UNION ALL "
                     "SELECT \"table\" FROM pragma_foreign_key_list('coupon_issue_request')")
              .empty());
    CHECK(raw.column("PRAGMA integrity_check") == std::vector<std::string>{"ok"});
    // The operator's objects are still there, and work.
    CHECK(raw.column("SELECT name FROM sqlite_master WHERE name LIKE 'audit%' ORDER BY name") ==
          std::vector<std::string>{"audit_coupons_by_request", "audit_issued", "audit_log", "audit_new_coupon",
                                   "audit_outcomes_by_user"});
    CHECK(raw.column("SELECT request_id || ' ' || coupon_id FROM audit_issued ORDER BY request_id") ==
          std::vector<std::string>{"r-7 1", "r-8 2"});
    // The keys that decide the product are still the schema's: one coupon per user and policy, one outcome
    // per request.
    CHECK_THROWS(raw.exec("INSERT INTO coupon(user_id, coupon_policy_id, request_id, issued_at) "
                          "VALUES(7, 1, 'r-again', '2026-11-01T00:00:09.000Z')"));
    CHECK_THROWS(raw.exec("INSERT INTO coupon_issue_request(request_id, user_id, coupon_policy_id, outcome, "
                          "requested_at, decided_at) VALUES('r-7', 7, 1, 'SOLD_OUT', 'a', 'b')"));

    // A request decided now: its coupon takes the id after the deleted one, and its outcome names it.
    const test::ManualClock clock(test::at("2026-12-01T10:00:00Z"));
    auto store = db->issue_store();
    domain::CouponIssuer issuer(*store, clock);
    const auto results = issuer.apply({test::request("r-new", 10, 1)});
    REQUIRE(results.at(0).outcome == domain::Outcome::Issued);
    CHECK(results.at(0).coupon_id == 4);
    CHECK(raw.column("SELECT coupon_id FROM coupon_issue_request WHERE request_id = 'r-new'") ==
          std::vector<std::string>{"4"});
    CHECK(raw.scalar("SELECT issued_quantity FROM coupon_policy") == 3);
    CHECK(raw.column("SELECT coupon_id FROM audit_log") == std::vector<std::string>{"4"});  // the trigger fired
    // A user who held a coupon before the rebuild still holds it.
    CHECK(issuer.apply({test::request("r-user-7-again", 7, 1)}).at(0).outcome == domain::Outcome::AlreadyIssued);
}
