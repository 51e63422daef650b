// The SQLite half of store_fixture.hpp: a coupons.db in a temp dir, inspected with the sqlite3 C API.
#include <sqlite3.h>

#include <stdexcept>

#include "store_fixture.hpp"

namespace coupon::test {
namespace {

class SqliteTestDatabase final : public TestDatabase {
public:
    const std::string& url() const override { return url_; }

private:
    TempDir dir_;
    std::string url_ = "sqlite:" + dir_.path() + "/coupons.db";
};

}  // namespace

std::unique_ptr<TestDatabase> create_test_database() { return std::make_unique<SqliteTestDatabase>(); }

struct RawDb::Impl {
    sqlite3* db = nullptr;
};

RawDb::RawDb(const std::string& store_url, int busy_timeout_ms) : impl_(std::make_unique<Impl>()) {
    const std::string file = store_url.substr(std::string("sqlite:").size());
    if (sqlite3_open_v2(file.c_str(), &impl_->db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
        const std::string why = impl_->db != nullptr ? sqlite3_errmsg(impl_->db) : "out of memory";
        sqlite3_close(impl_->db);
        throw std::runtime_error("raw open " + file + ": " + why);
    }
    sqlite3_busy_timeout(impl_->db, busy_timeout_ms);
}

RawDb::~RawDb() { sqlite3_close(impl_->db); }

void RawDb::exec(const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(impl_->db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
        const std::string why = err != nullptr ? err : "?";
        sqlite3_free(err);
        throw std::runtime_error(sql + ": " + why);
    }
}

std::vector<std::string> RawDb::column(const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(impl_->db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
        throw std::runtime_error(sql + ": " + sqlite3_errmsg(impl_->db));
    }
    std::vector<std::string> out;
    int rc = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const auto* text = sqlite3_column_text(st, 0);
        out.emplace_back(text != nullptr ? reinterpret_cast<const char*>(text) : "NULL");
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) throw std::runtime_error(sql + ": " + sqlite3_errmsg(impl_->db));
    return out;
}

long long RawDb::scalar(const std::string& sql) {
    const auto rows = column(sql);
    if (rows.empty()) throw std::runtime_error(sql + ": no row");
    return std::stoll(rows.front());
}

}  // namespace coupon::test
