// The PostgreSQL engine: a pool of connections for the read side, one connection per consumer thread.
#include <fmt/format.h>
#include <soci/soci.h>

#include <stdexcept>

#include "coupon/base/log.hpp"
#include "database_identity.hpp"
#include "migrations.hpp"
#include "postgresql_connect.hpp"
#include "postgresql_issue_store.hpp"
#include "sql_backend.hpp"

namespace coupon::store {
namespace {

// pg_advisory_xact_lock key shared by every coupon-server migrating this database ("coupon" in ASCII).
constexpr long long kMigrationLock = 0x636f75706f6e;

SqlEngine postgresql_engine(const PgSessionSettings& settings) {
    return SqlEngine{
        .name = "postgresql",
        .open = [settings](soci::session& sql) { open_postgresql(sql, settings); },
        .opening = "opening a PostgreSQL connection",
        .keeper = {[](soci::session& sql) { return postgresql_connected(sql); },
                   [settings](soci::session& sql) { reconnect_postgresql(sql, settings); }},
        // A lost connection has ended its transaction on the server already: nothing to roll back then.
        .writes = {[](soci::session& sql) { sql.begin(); }, postgresql_connected, nullptr},  // row locks: no turns
        .issue_store = [settings] { return std::make_unique<PgIssueStore>(settings); },
        .identity = {},  // filled in once migrated
    };
}

// Opening a connection is the one step whose failure says "the server is not there (yet)".
void connect_or_unreachable(soci::session& sql, const PgSessionSettings& settings) {
    try {
        open_postgresql(sql, settings);
    } catch (const std::exception& e) {
        throw DatabaseUnreachable(e.what());
    }
}

// Returns the database's identity (database_identity.hpp).
std::string migrate(const PgSessionSettings& settings) {
    soci::session sql;
    connect_or_unreachable(sql, settings);
    // Two nodes starting at once: the second waits for the first's migration, then finds it recorded.
    const MigrationDialect dialect{[](soci::session& s) {
                                       s.begin();
                                       s << "SELECT pg_advisory_xact_lock(:k)", soci::use(kMigrationLock);
                                   },
                                   exec_postgresql_script};
    const int applied = apply_migrations(sql, postgresql_migration_files(), dialect);
    std::string identity = ensure_database_identity(sql, dialect.begin_write);
    log::info("store", "PostgreSQL database {} ready, {} migration(s) applied, identity {}",
              redact_database_url(settings.url), applied, identity);
    return identity;
}

}  // namespace

std::unique_ptr<SqlBackend> open_postgresql_backend(const std::string& url, const DatabaseConfig& config) {
    const PgSessionSettings settings{url, config.busy_timeout, config.statement_timeout, config.connect_timeout};
    try {
        SqlEngine engine = postgresql_engine(settings);
        engine.identity = migrate(settings);
        return std::make_unique<SqlBackend>(std::move(engine), static_cast<std::size_t>(config.pool_size),
                                            [&](soci::session& sql) { connect_or_unreachable(sql, settings); });
    } catch (const std::exception& e) {
        std::string reason = e.what();
        while (!reason.empty() && (reason.back() == '\n' || reason.back() == ' ')) reason.pop_back();
        const std::string message =
            fmt::format("database.url: cannot open PostgreSQL database '{}': {}", redact_database_url(url), reason);
        if (dynamic_cast<const DatabaseUnreachable*>(&e) != nullptr) throw DatabaseUnreachable(message);
        throw std::runtime_error(message);
    }
}

}  // namespace coupon::store
