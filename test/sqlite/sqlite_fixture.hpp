#pragma once
// Helpers for the SQLite tier: a temp dir removed on exit, a store opened in it, and an independent raw
// SQLite connection to inspect tables or hold locks.
#include <fmt/format.h>
#include <sqlite3.h>

#include <memory>
#include <string>
#include <vector>

#include "coupon/domain/clock.hpp"
#include "coupon/domain/coupon_issuer.hpp"
#include "coupon/domain/time_format.hpp"
#include "coupon/store/database.hpp"

namespace coupon::test {

class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

class FixedClock final : public domain::Clock {
public:
    explicit FixedClock(domain::TimePoint t) : now_(t) {}
    domain::TimePoint now() const override { return now_; }

private:
    domain::TimePoint now_;
};

inline domain::TimePoint at(const char* iso) { return domain::parse_time(iso).value(); }

domain::IssueRequest request(std::string id, domain::UserId user, domain::PolicyId policy);
domain::NewCouponPolicy new_policy(std::string name, std::int64_t total);

// A TempDir with coupons.db opened through the store.
struct StoreFixture {
    TempDir dir;
    std::string file = dir.path() + "/coupons.db";
    std::unique_ptr<store::Database> db;

    explicit StoreFixture(std::chrono::milliseconds busy_timeout = std::chrono::milliseconds(5000));
    store::DatabaseConfig config(std::chrono::milliseconds busy_timeout) const;
};

// A plain sqlite3 connection, independent of SOCI and the store.
class RawSqlite {
public:
    explicit RawSqlite(const std::string& file, int busy_timeout_ms = 5000);
    ~RawSqlite();
    RawSqlite(const RawSqlite&) = delete;
    RawSqlite& operator=(const RawSqlite&) = delete;

    void exec(const std::string& sql);                // throws std::runtime_error
    long long scalar(const std::string& sql);         // first column of the first row
    std::vector<std::string> column(const std::string& sql);  // first column of every row, as text

private:
    sqlite3* db_ = nullptr;
};

}  // namespace coupon::test
