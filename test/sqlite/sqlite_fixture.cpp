#include "sqlite_fixture.hpp"

#include <stdlib.h>

#include <filesystem>
#include <stdexcept>

namespace coupon::test {

TempDir::TempDir() {
    std::string pattern = "/tmp/coupon-sqlite-test.XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

domain::IssueRequest request(std::string id, domain::UserId user, domain::PolicyId policy) {
    domain::IssueRequest r;
    r.request_id = std::move(id);
    r.user_id = user;
    r.policy_id = policy;
    r.requested_at = at("2026-12-01T09:59:59.500Z");
    r.partition = 3;
    r.offset = 100;
    return r;
}

domain::NewCouponPolicy new_policy(std::string name, std::int64_t total) {
    domain::NewCouponPolicy p;
    p.name = std::move(name);
    p.discount_type = "AMOUNT";
    p.discount_value = 3000;
    p.total_quantity = total;
    return p;
}

StoreFixture::StoreFixture(std::chrono::milliseconds busy_timeout)
    : db(store::Database::open(config(busy_timeout))) {}

store::DatabaseConfig StoreFixture::config(std::chrono::milliseconds busy_timeout) const {
    store::DatabaseConfig c;
    c.url = "sqlite:" + file;
    c.pool_size = 2;
    c.busy_timeout = busy_timeout;
    return c;
}

RawSqlite::RawSqlite(const std::string& file, int busy_timeout_ms) {
    if (sqlite3_open_v2(file.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
        const std::string why = db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory";
        sqlite3_close(db_);
        throw std::runtime_error("raw open " + file + ": " + why);
    }
    sqlite3_busy_timeout(db_, busy_timeout_ms);
}

RawSqlite::~RawSqlite() { sqlite3_close(db_); }

void RawSqlite::exec(const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
        const std::string why = err != nullptr ? err : "?";
        sqlite3_free(err);
        throw std::runtime_error(sql + ": " + why);
    }
}

std::vector<std::string> RawSqlite::column(const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
        throw std::runtime_error(sql + ": " + sqlite3_errmsg(db_));
    }
    std::vector<std::string> out;
    int rc = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const auto* text = sqlite3_column_text(st, 0);
        out.emplace_back(text != nullptr ? reinterpret_cast<const char*>(text) : "NULL");
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) throw std::runtime_error(sql + ": " + sqlite3_errmsg(db_));
    return out;
}

long long RawSqlite::scalar(const std::string& sql) {
    const auto rows = column(sql);
    if (rows.empty()) throw std::runtime_error(sql + ": no row");
    return std::stoll(rows.front());
}

}  // namespace coupon::test
