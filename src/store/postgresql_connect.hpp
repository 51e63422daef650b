#pragma once
// Opening, checking and re-opening one PostgreSQL session the way every part of the store needs it.
// The URL goes to libpq unchanged, so libpq's own password sources (PGPASSWORD, PGPASSFILE/~/.pgpass,
// PGSERVICE) and every conninfo parameter work without code here.
#include <chrono>
#include <string>
#include <string_view>

namespace soci {
class session;
}

namespace coupon::store {

struct PgSessionSettings {
    std::string url;                          // postgresql://... as libpq takes it
    std::chrono::milliseconds lock_timeout;   // database.busy_timeout: how long a row lock is waited for
    // database.statement_timeout: the server cancels a statement running longer (0: never). Without it a
    // slow query holds a pooled connection, and the HTTP request waiting for it, without end.
    std::chrono::milliseconds statement_timeout{0};
    // database.connect_timeout: libpq gives up connecting after this (whole seconds, at least 2; 0: libpq's
    // default, which waits as long as the operating system does). A connect_timeout in the URL wins.
    std::chrono::milliseconds connect_timeout{0};
};

// The URL (a postgresql:// URI or a "key=value ..." string) with connect_timeout added when the URL has
// none and `timeout` is not 0.
std::string with_connect_timeout(const std::string& url, std::chrono::milliseconds timeout);

// Opens `sql` and applies the settings. Throws soci::soci_error.
void open_postgresql(soci::session& sql, const PgSessionSettings& settings);
// Re-applies the per-connection settings (after open or reconnect).
void configure_postgresql(soci::session& sql, const PgSessionSettings& settings);
// True while libpq considers the connection usable. No round trip: a server that went away is only
// noticed by the next statement, which then fails and leaves this false.
bool postgresql_connected(soci::session& sql);
// Drops the connection and opens a new one with the same URL and settings (pooled sessions too).
// Statements prepared on the old connection must be destroyed first. Throws soci::soci_error.
void reconnect_postgresql(soci::session& sql, const PgSessionSettings& settings);
// Runs a script of several statements in one simple-protocol round trip. Throws std::runtime_error
// with PostgreSQL's message and SQLSTATE.
void exec_postgresql_script(soci::session& sql, std::string_view script);
// True when an earlier statement failed inside the open transaction: PostgreSQL would answer COMMIT
// with a silent ROLLBACK.
bool postgresql_transaction_failed(soci::session& sql);

// The URL with any password replaced by "***", for messages and logs.
std::string redact_database_url(const std::string& url);

}  // namespace coupon::store
