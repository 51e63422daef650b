#include "migrations.hpp"

#include <fmt/format.h>
#include <soci/soci.h>

#include <charconv>
#include <chrono>
#include <stdexcept>

#include "coupon/base/log.hpp"
#include "sql_text.hpp"

namespace coupon::store {
namespace {

// "001_init.sql" -> 1. A file without a leading number is a packaging mistake: fail loudly.
long long version_of(std::string_view name) {
    long long v = 0;
    const auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), v);
    if (ec != std::errc() || end == name.data() || v <= 0) {
        throw std::runtime_error(fmt::format("migration '{}' does not start with a positive version number", name));
    }
    return v;
}

void apply_one(soci::session& sql, const SqlFile& file, long long version, const MigrationDialect& dialect,
               int& applied) {
    dialect.begin_write(sql);
    try {
        long long present = 0;
        sql << "SELECT COUNT(*) FROM schema_version WHERE version = :v", soci::use(version), soci::into(present);
        if (present != 0) {
            sql.rollback();
            return;
        }
        dialect.run_script(sql, file.text);
        const std::string now = db_time(std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now()));
        sql << "INSERT INTO schema_version(version, applied_at) VALUES(:v, :t)", soci::use(version), soci::use(now);
        sql.commit();
        ++applied;
        log::info("store", "applied migration {}", file.name);
    } catch (const std::exception& e) {
        try {
            sql.rollback();
        } catch (...) {  // the failure may already have ended the transaction
        }
        throw std::runtime_error(fmt::format("migration {} failed: {}", file.name, e.what()));
    }
}

}  // namespace

int apply_migrations(soci::session& sql, std::span<const SqlFile> files, const MigrationDialect& dialect) {
    dialect.begin_write(sql);
    try {
        sql << "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)";
        sql.commit();
    } catch (...) {
        try {
            sql.rollback();
        } catch (...) {  // the failure may already have ended the transaction
        }
        throw;
    }
    int applied = 0;
    long long previous = 0;
    for (const SqlFile& file : files) {
        const long long version = version_of(file.name);
        if (version <= previous) {
            throw std::runtime_error(fmt::format("migration {} repeats or goes back from version {}", file.name, previous));
        }
        previous = version;
        apply_one(sql, file, version, dialect, applied);
    }
    return applied;
}

}  // namespace coupon::store
