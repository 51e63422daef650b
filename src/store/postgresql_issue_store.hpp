#pragma once
// domain::IssueStore on PostgreSQL. One store = one connection + its prepared statements, used by one
// consumer thread. Policy rows are locked with SELECT ... FOR UPDATE inside each batch's transaction.
// A connection the server dropped (restart, failover, idle kill) is replaced on the next begin(), so a
// consumer that retries its batch succeeds as soon as the server is back.
#include <memory>

#include "coupon/domain/issue_store.hpp"
#include "postgresql_connect.hpp"

namespace soci {
class session;
}

namespace coupon::store {

struct PgIssueStatements;

class PgIssueStore final : public domain::IssueStore {
public:
    // Opens its own connection. Throws StoreError.
    explicit PgIssueStore(PgSessionSettings settings);
    ~PgIssueStore() override;

    // Throws StoreError when no connection can be made or BEGIN fails.
    std::unique_ptr<domain::IssueTransaction> begin() override;

private:
    void reconnect();

    PgSessionSettings settings_;
    std::unique_ptr<soci::session> sql_;
    std::unique_ptr<PgIssueStatements> statements_;  // null after a failed reconnect
};

}  // namespace coupon::store
