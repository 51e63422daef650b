#pragma once
// domain::DeadLetterStore for either backend (the SQL is common to SQLite and PostgreSQL; the backend
// only says how to open, keep and write on its sessions). Each call leases a session from a pool: the
// backend's shared pool (thread-safe, for the HTTP threads) or a one-session pool of the store's own (for
// one DLT consumer thread, so dead letters never wait behind HTTP reads).
#include <memory>

#include "coupon/domain/dead_letters.hpp"
#include "session_pool.hpp"

namespace coupon::store {

class SqlDeadLetters final : public domain::DeadLetterStore {
public:
    // Every session of the pool must already be open.
    SqlDeadLetters(soci::connection_pool& shared, SessionKeeper keeper, WriteStyle write);
    SqlDeadLetters(std::unique_ptr<soci::connection_pool> own, SessionKeeper keeper, WriteStyle write);

    std::optional<domain::IssueResult> record(domain::DeadLetter& letter, domain::TimePoint now) override;
    domain::DeadLetterPage list(const domain::DeadLetterQuery& query) override;
    std::optional<domain::DeadLetter> find(std::int64_t id) override;
    void mark_replayed(std::int64_t id, domain::TimePoint at) override;

private:
    std::unique_ptr<soci::connection_pool> own_;  // before sessions_, which refers to it
    PooledSessions sessions_;
    WriteStyle write_;
};

}  // namespace coupon::store
