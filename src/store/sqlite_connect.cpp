#include "sqlite_connect.hpp"

#include <fmt/format.h>
#include <soci/soci.h>
// SOCI includes <sqlite3.h> inside namespace sqlite_api; including it again would be a no-op.
#include <soci/sqlite3/soci-sqlite3.h>

#include <mutex>
#include <stdexcept>

#include "coupon/base/log.hpp"
#include "sqlite_checkpointer.hpp"
#include "sqlite_statement.hpp"

namespace coupon::store {
namespace {

using namespace sqlite_api;

// Process-wide settings, which SQLite takes only before its first use (the first open initializes it).
// Memory statistics off: with them SQLite takes a global mutex around every allocation of every connection
// (13% of store_bench's profile was pthread_mutex_lock/unlock); store_bench: +9-12%. Nothing here reads
// sqlite3_memory_used. Not taken: SQLITE_CONFIG_MULTITHREAD (+3-8% more), which drops the connections' own
// mutexes and would turn any connection shared between two threads into corruption instead of waiting.
void configure_sqlite_once() {
    static std::once_flag once;
    std::call_once(once, [] {
        if (const int rc = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); rc != SQLITE_OK) {
            log::warn("store", "SQLite was initialized before its configuration (code {}): memory statistics stay on", rc);
        }
    });
}

}  // namespace

void open_sqlite(soci::session& sql, const std::string& path, std::chrono::milliseconds busy_timeout,
                 bool full_sync) {
    configure_sqlite_once();
    sql.open(*soci::factory_sqlite3(), fmt::format("db=\"{}\"", path));
    // First, so that switching to WAL below already waits for a concurrent opener instead of failing.
    sql << fmt::format("PRAGMA busy_timeout = {}", busy_timeout.count());
    std::string mode;
    sql << "PRAGMA journal_mode = WAL", soci::into(mode);
    if (mode != "wal") throw std::runtime_error(fmt::format("SQLite refused WAL mode (journal_mode is '{}')", mode));
    // WAL + NORMAL: a commit is durable against a process crash; only an OS crash can lose the last
    // commits, and it never corrupts the file. FULL also survives the OS crash (DatabaseConfig).
    sql << (full_sync ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
    sql << "PRAGMA foreign_keys = ON";
    // Checkpoints are the checkpointer thread's job; a writer does one only past this backstop.
    sql << fmt::format("PRAGMA wal_autocheckpoint = {}", SqliteCheckpointer::kWriterCheckpointPages);
}

void exec_sqlite_script(soci::session& sql, std::string_view script) {
    const std::string text(script);
    char* message = nullptr;
    if (sqlite3_exec(sqlite_handle(sql), text.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
        std::string reason = message != nullptr ? message : "unknown error";
        sqlite3_free(message);
        throw std::runtime_error(reason);
    }
}

bool sqlite_in_transaction(soci::session& sql) { return sqlite3_get_autocommit(sqlite_handle(sql)) == 0; }

long long sqlite_last_insert_id(soci::session& sql) { return sqlite3_last_insert_rowid(sqlite_handle(sql)); }

}  // namespace coupon::store
