// The SQLite backend: one file, WAL, a pool for the read side and a session per consumer thread.
#include <fmt/format.h>
#include <soci/soci.h>

#include <filesystem>
#include <stdexcept>

#include "backend.hpp"
#include "coupon/base/log.hpp"
#include "migrations.hpp"
#include "sqlite_connect.hpp"
#include "store_errors.hpp"
#include "sqlite_issue_store.hpp"
#include "sql_dead_letters.hpp"
#include "sql_queries.hpp"

namespace coupon::store {
namespace {

// A SQLite session is a file handle: nothing to reconnect.
const SessionKeeper kFileSessions{[](soci::session&) { return true; }, [](soci::session&) {}};
const WriteStyle kImmediateWrites{[](soci::session& sql) { sql << "BEGIN IMMEDIATE"; }, sqlite_in_transaction};

class SqliteBackend final : public Backend {
public:
    SqliteBackend(std::string path, const DatabaseConfig& config)
        : path_(std::move(path)), busy_timeout_(config.busy_timeout), full_sync_(config.sqlite_full_sync),
          pool_(static_cast<std::size_t>(config.pool_size)), queries_(pool_, kFileSessions),
          dead_letters_(pool_, kFileSessions, kImmediateWrites) {
        for (std::size_t i = 0; i < static_cast<std::size_t>(config.pool_size); ++i) {
            open_sqlite(pool_.at(i), path_, busy_timeout_, full_sync_);
        }
    }

    std::string name() const override { return "sqlite"; }

    std::unique_ptr<domain::IssueStore> issue_store() override {
        auto sql = std::make_unique<soci::session>();
        guarded(fmt::format("opening {}", path_), [&] { open_sqlite(*sql, path_, busy_timeout_, full_sync_); });
        return std::make_unique<SqliteIssueStore>(std::move(sql));
    }

    domain::CouponQueries& queries() override { return queries_; }

    bool record_failed(const domain::IssueRequest& request, const std::string& error) override {
        return queries_.record_failed(request, error);
    }

    domain::DeadLetterStore& dead_letters() override { return dead_letters_; }

    std::unique_ptr<domain::DeadLetterStore> dead_letter_store() override {
        auto own = std::make_unique<soci::connection_pool>(1);
        guarded(fmt::format("opening {}", path_), [&] { open_sqlite(own->at(0), path_, busy_timeout_, full_sync_); });
        return std::make_unique<SqlDeadLetters>(std::move(own), kFileSessions, kImmediateWrites);
    }

private:
    std::string path_;
    std::chrono::milliseconds busy_timeout_;
    bool full_sync_;
    soci::connection_pool pool_;
    SqlQueries queries_;
    SqlDeadLetters dead_letters_;
};

void create_parent_directory(const std::string& path) {
    const auto parent = std::filesystem::path(path).parent_path();
    if (parent.empty()) return;
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) {
        throw std::runtime_error(
            fmt::format("database.url: cannot create directory '{}': {}", parent.string(), ec.message()));
    }
}

void migrate(const std::string& path, std::chrono::milliseconds busy_timeout, bool full_sync) {
    soci::session sql;
    open_sqlite(sql, path, busy_timeout, full_sync);
    const MigrationDialect dialect{[](soci::session& s) { s << "BEGIN IMMEDIATE"; }, exec_sqlite_script};
    const int applied = apply_migrations(sql, sqlite_migration_files(), dialect);
    log::info("store", "SQLite database {} ready (WAL, synchronous={}), {} migration(s) applied", path,
              full_sync ? "FULL" : "NORMAL", applied);
}

}  // namespace

std::unique_ptr<Backend> open_sqlite_backend(const std::string& path, const DatabaseConfig& config) {
    create_parent_directory(path);
    try {
        migrate(path, config.busy_timeout, config.sqlite_full_sync);
        return std::make_unique<SqliteBackend>(path, config);
    } catch (const std::exception& e) {
        throw std::runtime_error(fmt::format("database.url: cannot open SQLite database '{}': {}", path, e.what()));
    }
}

}  // namespace coupon::store
