#pragma once
// Opening one SQLite session the way every part of the store needs it.
#include <chrono>
#include <string>
#include <string_view>

namespace soci {
class session;
}

namespace coupon::store {

// Opens `path` (created if missing) with the busy timeout, WAL, synchronous=NORMAL, foreign keys, and the
// writers' checkpoint threshold raised to SqliteCheckpointer's backstop.
// Throws soci::soci_error or std::runtime_error.
// busy_timeout: how long a writer waits for the lock; full_sync: synchronous=FULL (else NORMAL).
void open_sqlite(soci::session& sql, const std::string& path, std::chrono::milliseconds busy_timeout,
                 bool full_sync = false);

// Runs a script of several statements (SOCI prepares only the first statement of a text).
void exec_sqlite_script(soci::session& sql, std::string_view script);

// True while the session is inside an explicit transaction (SQLite may roll back on its own after
// some errors, and a second ROLLBACK would fail).
bool sqlite_in_transaction(soci::session& sql);

// The rowid of the session's last INSERT. Used instead of RETURNING, which SOCI leaves as a statement
// "in progress" (its single row read, never stepped to the end), and COMMIT then refuses.
long long sqlite_last_insert_id(soci::session& sql);

}  // namespace coupon::store
