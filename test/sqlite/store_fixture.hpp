#pragma once
// Helpers for the store tiers. The same test sources build twice: sqlite_tests (a file in a temp dir)
// and pg_tests (a fresh database on a PostgreSQL server, COUPON_TEST_POSTGRESQL defined); the backend
// part lives in sqlite_fixture.cpp / test/pg/pg_fixture.cpp. RawDb is an independent connection
// (sqlite3 / libpq, not SOCI and not the store) to inspect tables or hold locks, so a store bug cannot
// hide behind its own reads.
#include <fmt/format.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "coupon/domain/clock.hpp"
#include "coupon/domain/coupon_issuer.hpp"
#include "coupon/base/time_format.hpp"
#include "coupon/store/database.hpp"
#include "manual_clock.hpp"
#include "temp_dir.hpp"

namespace coupon::test {

#ifdef COUPON_TEST_POSTGRESQL
inline constexpr bool kPostgresql = true;
#else
inline constexpr bool kPostgresql = false;
#endif

inline domain::TimePoint at(const char* iso) { return base::parse_time(iso).value(); }

domain::IssueRequest request(std::string id, domain::UserId user, domain::PolicyId policy);
domain::NewCouponPolicy new_policy(std::string name, std::int64_t total);

// Marks `request` FAILED the way a node does: a new dead letter for it, recorded through the store's
// dead-letter store (DESIGN.md section 3). Returns what DeadLetterStore::record does: the FAILED result,
// or nothing when the request already has a final outcome.
std::optional<domain::IssueResult> dead_letter_for(store::Database& db, const domain::IssueRequest& request,
                                                   std::string error);

// An empty database of the backend under test, removed on destruction.
class TestDatabase {
public:
    virtual ~TestDatabase() = default;
    virtual const std::string& url() const = 0;  // database.url for the store
};
std::unique_ptr<TestDatabase> create_test_database();

// A fresh database opened through the store.
struct StoreFixture {
    std::unique_ptr<TestDatabase> place = create_test_database();  // declared first: outlives db
    std::string url = place->url();
    std::unique_ptr<store::Database> db;

    explicit StoreFixture(std::chrono::milliseconds busy_timeout = std::chrono::milliseconds(5000));
    store::DatabaseConfig config(std::chrono::milliseconds busy_timeout) const;
};

// A plain connection to the store's database, independent of SOCI and the store.
class RawDb {
public:
    // `store_url` as in StoreFixture::url. busy_timeout_ms: SQLite's wait for locks (0: fail at once).
    explicit RawDb(const std::string& store_url, int busy_timeout_ms = 5000);
    ~RawDb();
    RawDb(const RawDb&) = delete;
    RawDb& operator=(const RawDb&) = delete;

    void exec(const std::string& sql);                        // throws std::runtime_error
    long long scalar(const std::string& sql);                 // first column of the first row
    std::vector<std::string> column(const std::string& sql);  // first column of every row, as text

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace coupon::test
