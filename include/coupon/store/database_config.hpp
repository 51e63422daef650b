#pragma once
// What the store needs from configuration: plain values with defaults. The app's configuration binds its
// database.* keys straight into these fields (src/app/config_keys.cpp).
#include <chrono>
#include <string>

namespace coupon::store {

struct DatabaseConfig {
    // "sqlite:data/coupons.db", "sqlite:/abs/path.db", "sqlite:///abs/path.db", or a libpq URI
    // "postgresql://user@host:5432/db?sslmode=..." / "postgres://..." passed to libpq unchanged (so a
    // password can come from PGPASSWORD or ~/.pgpass instead of the URL).
    std::string url;
    int pool_size = 4;  // sessions behind queries(), shared by the HTTP threads
    // How long a writer waits for a lock before StoreError: SQLite's write lock (busy timeout), or
    // PostgreSQL's row locks on the policies (lock_timeout).
    std::chrono::milliseconds busy_timeout{5000};
    // PostgreSQL only (SQLite's waits are bounded by busy_timeout): the server cancels any statement that
    // runs longer (statement_timeout; 0 = none), and a connection attempt gives up after connect_timeout
    // (libpq's connect_timeout, whole seconds, at least 2; 0 = libpq's default; a URL that sets its own wins).
    std::chrono::milliseconds statement_timeout{10000};
    std::chrono::milliseconds connect_timeout{5000};
    // SQLite only: synchronous=FULL instead of NORMAL, so a commit survives an OS crash too. Needed when the
    // records outlive this process (a real or shared Kafka): offsets committed after an outcome that an OS
    // crash then loses would lose that outcome. With the embedded broker a restart loses the records anyway.
    bool sqlite_full_sync = false;
};

}  // namespace coupon::store
