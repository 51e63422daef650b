#pragma once
// The database adapter: opens SQLite or PostgreSQL (chosen by the URL), applies the embedded migrations,
// and hands out the domain ports. No SOCI or C library header here: the backend lives behind a pointer.
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>

#include "coupon/domain/coupon_queries.hpp"
#include "coupon/domain/dead_letters.hpp"
#include "coupon/domain/issue_store.hpp"
#include "coupon/domain/types.hpp"

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

class SqlBackend;

// Database::open could not connect to the database server (PostgreSQL down, unreachable, refusing the
// login): the configuration may well be right, so a node waits for it instead of exiting.
class DatabaseUnreachable : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class Database {
public:
    // SQLite: creates the file's directory if missing, sets WAL + synchronous=NORMAL + busy timeout.
    // PostgreSQL: connects the pool. Both apply pending migrations (on PostgreSQL under an advisory lock,
    // so nodes may start together). Throws DatabaseUnreachable when PostgreSQL cannot be connected to, else
    // std::runtime_error naming the problem (bad configuration, a migration that fails).
    static std::unique_ptr<Database> open(const DatabaseConfig& config);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    // A store with its own session and prepared statements: one per consumer thread, used by that
    // thread only. Throws StoreError if the session cannot be opened. On PostgreSQL a connection the
    // server dropped is re-opened by the next begin().
    std::unique_ptr<domain::IssueStore> issue_store();
    // Thread-safe read side and policy administration over a pool of sessions.
    domain::CouponQueries& queries();
    // Dead letters (DESIGN.md section 3), both backends: record() stores a DLT record once per
    // topic/partition/offset and marks its request FAILED in the same transaction unless a final outcome
    // is recorded already (a FAILED one may fail again); key, payload and header values round-trip byte
    // for byte.
    // Thread-safe, over the pool behind queries(): for the HTTP admin endpoints.
    domain::DeadLetterStore& dead_letters();
    // A store with a session of its own, for one DLT consumer thread (pass
    // [&db] { return db.dead_letter_store(); } as DeadLetterConsumer's factory). Throws StoreError.
    std::unique_ptr<domain::DeadLetterStore> dead_letter_store();
    // "sqlite" or "postgresql".
    std::string backend_name() const;

private:
    explicit Database(std::unique_ptr<SqlBackend> backend);
    std::unique_ptr<SqlBackend> backend_;
};

}  // namespace coupon::store
