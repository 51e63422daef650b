// The PostgreSQL backend: a pool of connections for the read side, one connection per consumer thread.
#include <fmt/format.h>
#include <soci/soci.h>

#include <stdexcept>

#include "backend.hpp"
#include "coupon/base/log.hpp"
#include "migrations.hpp"
#include "postgresql_connect.hpp"
#include "postgresql_issue_store.hpp"
#include "sql_dead_letters.hpp"
#include "sql_queries.hpp"
#include "store_errors.hpp"

namespace coupon::store {
namespace {

// pg_advisory_xact_lock key shared by every coupon-server migrating this database ("coupon" in ASCII).
constexpr long long kMigrationLock = 0x636f75706f6e;

SessionKeeper keeper_for(const PgSessionSettings& settings) {
    return SessionKeeper{[](soci::session& sql) { return postgresql_connected(sql); },
                         [settings](soci::session& sql) { reconnect_postgresql(sql, settings); }};
}

// Opening a connection is the one step whose failure says "the server is not there (yet)".
void connect_or_unreachable(soci::session& sql, const PgSessionSettings& settings) {
    try {
        open_postgresql(sql, settings);
    } catch (const std::exception& e) {
        throw DatabaseUnreachable(e.what());
    }
}

// A lost connection has ended its transaction on the server already: nothing to roll back then.
const WriteStyle kPgWrites{[](soci::session& sql) { sql.begin(); }, postgresql_connected};

class PostgresqlBackend final : public Backend {
public:
    PostgresqlBackend(PgSessionSettings settings, std::size_t pool_size)
        : settings_(std::move(settings)), pool_(pool_size), queries_(pool_, keeper_for(settings_)),
          dead_letters_(pool_, keeper_for(settings_), kPgWrites) {
        for (std::size_t i = 0; i < pool_size; ++i) connect_or_unreachable(pool_.at(i), settings_);
    }

    std::string name() const override { return "postgresql"; }

    std::unique_ptr<domain::IssueStore> issue_store() override {
        return std::make_unique<PgIssueStore>(settings_);
    }

    domain::CouponQueries& queries() override { return queries_; }

    bool record_failed(const domain::IssueRequest& request, const std::string& error) override {
        return queries_.record_failed(request, error);
    }

    domain::DeadLetterStore& dead_letters() override { return dead_letters_; }

    std::unique_ptr<domain::DeadLetterStore> dead_letter_store() override {
        auto own = std::make_unique<soci::connection_pool>(1);
        guarded("opening a PostgreSQL connection", [&] { open_postgresql(own->at(0), settings_); });
        return std::make_unique<SqlDeadLetters>(std::move(own), keeper_for(settings_), kPgWrites);
    }

private:
    PgSessionSettings settings_;
    soci::connection_pool pool_;
    SqlQueries queries_;
    SqlDeadLetters dead_letters_;
};

void migrate(const PgSessionSettings& settings) {
    soci::session sql;
    connect_or_unreachable(sql, settings);
    // Two nodes starting at once: the second waits for the first's migration, then finds it recorded.
    const MigrationDialect dialect{[](soci::session& s) {
                                       s.begin();
                                       s << "SELECT pg_advisory_xact_lock(:k)", soci::use(kMigrationLock);
                                   },
                                   exec_postgresql_script};
    const int applied = apply_migrations(sql, postgresql_migration_files(), dialect);
    log::info("store", "PostgreSQL database {} ready, {} migration(s) applied", redact_database_url(settings.url),
              applied);
}

}  // namespace

std::unique_ptr<Backend> open_postgresql_backend(const std::string& url, const DatabaseConfig& config) {
    const PgSessionSettings settings{url, config.busy_timeout, config.statement_timeout, config.connect_timeout};
    try {
        migrate(settings);
        return std::make_unique<PostgresqlBackend>(settings, static_cast<std::size_t>(config.pool_size));
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
