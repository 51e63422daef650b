// The SQLite engine: one file, WAL, a pool for the read side, a session per consumer thread, and a thread
// for the WAL's checkpoints.
#include <fmt/format.h>
#include <soci/soci.h>

#include <filesystem>
#include <stdexcept>

#include "coupon/base/log.hpp"
#include "database_identity.hpp"
#include "migrations.hpp"
#include "sql_backend.hpp"
#include "sqlite_checkpointer.hpp"
#include "sqlite_connect.hpp"
#include "sqlite_issue_store.hpp"
#include "sqlite_table_rebuild.hpp"
#include "store_errors.hpp"

namespace coupon::store {
namespace {

SqlEngine sqlite_engine(const std::string& path, const DatabaseConfig& config) {
    auto open = [path, busy_timeout = config.busy_timeout, full_sync = config.sqlite_full_sync](soci::session& sql) {
        open_sqlite(sql, path, busy_timeout, full_sync);
    };
    std::string opening = fmt::format("opening {}", path);
    auto turns = std::make_shared<WriterTurns>(config.busy_timeout);
    auto issue_store = [open, opening, turns]() -> std::unique_ptr<domain::IssueStore> {
        auto sql = std::make_unique<soci::session>();
        guarded(opening, [&] { open(*sql); });
        return std::make_unique<SqliteIssueStore>(std::move(sql), turns);
    };
    return SqlEngine{
        .name = "sqlite",
        .open = open,
        .opening = std::move(opening),
        // A SQLite session is a file handle: nothing to reconnect.
        .keeper = {[](soci::session&) { return true; }, [](soci::session&) {}},
        .writes = {[](soci::session& sql) { sql << "BEGIN IMMEDIATE"; }, sqlite_in_transaction, turns},
        .issue_store = std::move(issue_store),
        .identity = {},  // filled in once migrated
    };
}

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

// Returns the database's identity (database_identity.hpp).
std::string migrate(const std::string& path, std::chrono::milliseconds busy_timeout, bool full_sync) {
    soci::session sql;
    open_sqlite(sql, path, busy_timeout, full_sync);
    const MigrationDialect dialect{[](soci::session& s) { s << "BEGIN IMMEDIATE"; },
                                   [](soci::session& s, std::string_view script) {
                                       const auto kept = run_sqlite_migration(s, script);
                                       if (!kept.empty()) {
                                           log::info("store", "kept across the table rebuild: {}",
                                                     fmt::join(kept, ", "));
                                       }
                                   }};
    const int applied = apply_migrations(sql, sqlite_migration_files(), dialect);
    std::string identity = ensure_database_identity(sql, dialect.begin_write);
    log::info("store", "SQLite database {} ready (WAL, synchronous={}), {} migration(s) applied, identity {}", path,
              full_sync ? "FULL" : "NORMAL", applied, identity);
    return identity;
}

}  // namespace

std::unique_ptr<SqlBackend> open_sqlite_backend(const std::string& path, const DatabaseConfig& config) {
    create_parent_directory(path);
    try {
        std::string identity = migrate(path, config.busy_timeout, config.sqlite_full_sync);
        SqlEngine engine = sqlite_engine(path, config);
        engine.identity = std::move(identity);
        auto checkpoints = std::make_unique<soci::session>();
        engine.open(*checkpoints);
        engine.companion = std::make_shared<SqliteCheckpointer>(std::move(checkpoints));
        auto open = engine.open;
        return std::make_unique<SqlBackend>(std::move(engine), static_cast<std::size_t>(config.pool_size), open);
    } catch (const std::exception& e) {
        throw std::runtime_error(fmt::format("database.url: cannot open SQLite database '{}': {}", path, e.what()));
    }
}

}  // namespace coupon::store
