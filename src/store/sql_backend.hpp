#pragma once
// The one backend behind Database: the read pool, the read side (SqlQueries), the dead letters and the
// per-thread store factories are common SQL over SOCI; an SqlEngine says what differs per database. Each
// engine's file (sqlite_backend.cpp, postgresql_backend.cpp) fills one in, migrates, and opens the backend.
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "coupon/domain/coupon_queries.hpp"
#include "coupon/domain/dead_letters.hpp"
#include "coupon/domain/issue_store.hpp"
#include "coupon/store/database.hpp"
#include "session_pool.hpp"
#include "sql_dead_letters.hpp"
#include "sql_policy_lifecycle.hpp"
#include "sql_queries.hpp"

namespace coupon::store {

// The per-database part of a backend.
struct SqlEngine {
    std::string name;                         // "sqlite" or "postgresql"
    std::function<void(soci::session&)> open;  // opens one session with the engine's settings; throws
    std::string opening;                      // names that step in a StoreError ("opening data/coupons.db")
    SessionKeeper keeper;                     // keeps pooled sessions usable across a server restart
    WriteStyle writes;                        // how a write transaction begins, and whether to roll back
    // A store with a session of its own, for one consumer thread. Throws StoreError.
    std::function<std::unique_ptr<domain::IssueStore>()> issue_store;
    std::string identity = {};  // database_identity.hpp, read when the database was migrated
    // What the engine runs beside the sessions for as long as the backend lives (SQLite: the WAL
    // checkpointer); destroyed after every session.
    std::shared_ptr<void> companion = {};
};

class SqlBackend {
public:
    // Opens every session of the read pool with `open_pooled`, which throws what the engine wants a failed
    // start to say (PostgreSQL: DatabaseUnreachable).
    SqlBackend(SqlEngine engine, std::size_t pool_size, const std::function<void(soci::session&)>& open_pooled);
    SqlBackend(const SqlBackend&) = delete;
    SqlBackend& operator=(const SqlBackend&) = delete;

    const std::string& name() const { return engine_.name; }
    const std::string& identity() const { return engine_.identity; }
    std::unique_ptr<domain::IssueStore> issue_store() { return engine_.issue_store(); }
    domain::CouponQueries& queries() { return queries_; }
    domain::DeadLetterStore& dead_letters() { return dead_letters_; }
    domain::PolicyLifecycle& policy_lifecycle() { return policy_lifecycle_; }
    std::unique_ptr<domain::DeadLetterStore> dead_letter_store();

private:
    SqlEngine engine_;
    soci::connection_pool pool_;
    SqlQueries queries_;
    SqlDeadLetters dead_letters_;
    SqlPolicyLifecycle policy_lifecycle_;
};

// Each opens the database, applies migrations, and throws std::runtime_error on failure.
std::unique_ptr<SqlBackend> open_sqlite_backend(const std::string& path, const DatabaseConfig& config);
std::unique_ptr<SqlBackend> open_postgresql_backend(const std::string& url, const DatabaseConfig& config);

}  // namespace coupon::store
