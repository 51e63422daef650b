#pragma once
// domain::IssueStore on SQLite. One store = one session + its prepared statements, used by one consumer
// thread. A transaction starts with BEGIN IMMEDIATE: SQLite's single write lock is taken up front, which
// is how "the policy rows stay locked for the batch" holds here (and two writers never deadlock on a
// read-to-write upgrade).
#include <memory>

#include "coupon/domain/issue_store.hpp"
#include "writer_turns.hpp"

namespace soci {
class session;
}

namespace coupon::store {

struct SqliteIssueStatements;

class SqliteIssueStore final : public domain::IssueStore {
public:
    // Takes an open session (see open_sqlite) and the turns it shares with the node's other writers of the
    // same file.
    SqliteIssueStore(std::unique_ptr<soci::session> sql, std::shared_ptr<WriterTurns> turns);
    ~SqliteIssueStore() override;

    // Throws StoreError when the write lock is not granted within the busy timeout (waiting for a turn, then
    // for SQLite's lock, which another process may hold).
    std::unique_ptr<domain::IssueTransaction> begin() override;

private:
    std::unique_ptr<soci::session> sql_;
    std::unique_ptr<SqliteIssueStatements> statements_;
    std::shared_ptr<WriterTurns> turns_;
};

}  // namespace coupon::store
