#pragma once
// Numbered migrations applied at start-up, each in its own transaction, recorded in schema_version so a
// re-opened database applies nothing twice. Backend-neutral: the backend says how to begin a write
// transaction that excludes other migrating nodes, and how to run a multi-statement script.
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "embedded_sql.hpp"

namespace soci {
class session;
}

namespace coupon::store {

struct MigrationDialect {
    // Begins a transaction that no other node's migration can run alongside: SQLite "BEGIN IMMEDIATE",
    // PostgreSQL BEGIN + pg_advisory_xact_lock. Even schema_version is created inside one, because two
    // concurrent CREATE TABLE IF NOT EXISTS can both fail on PostgreSQL (unique violation in pg_type).
    std::function<void(soci::session&)> begin_write;
    std::function<void(soci::session&, std::string_view)> run_script;
};

// Returns how many migrations were applied. Throws std::runtime_error naming the failing file.
int apply_migrations(soci::session& sql, std::span<const SqlFile> files, const MigrationDialect& dialect);

}  // namespace coupon::store
