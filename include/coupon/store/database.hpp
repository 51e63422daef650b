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
#include "coupon/domain/policy_lifecycle.hpp"
#include "coupon/domain/types.hpp"
#include "coupon/store/database_config.hpp"

namespace coupon::store {

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
    // Thread-safe operator changes to policies and their audit trail (docs/policy-lifecycle.md), over the
    // pool behind queries().
    domain::PolicyLifecycle& policy_lifecycle();
    // "sqlite" or "postgresql".
    std::string backend_name() const;
    // A random id written once into the database (the first open of any node), the same for every node that
    // opens this database: nodes on one Kafka cluster compare it to find out they do not share their database.
    std::string identity() const;

private:
    explicit Database(std::unique_ptr<SqlBackend> backend);
    std::unique_ptr<SqlBackend> backend_;
};

}  // namespace coupon::store
