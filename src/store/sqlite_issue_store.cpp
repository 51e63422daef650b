#include "sqlite_issue_store.hpp"

#include <soci/soci.h>

#include "store_errors.hpp"
#include "sqlite_issue_statements.hpp"
#include "sqlite_issue_transaction.hpp"

namespace coupon::store {

SqliteIssueStore::SqliteIssueStore(std::unique_ptr<soci::session> sql) : sql_(std::move(sql)) {
    statements_ = guarded("preparing the issue statements", [&] { return std::make_unique<IssueStatements>(*sql_); });
}

// Statements must go before the session they were prepared on.
SqliteIssueStore::~SqliteIssueStore() { statements_.reset(); }

std::unique_ptr<domain::IssueTransaction> SqliteIssueStore::begin() {
    guarded("BEGIN IMMEDIATE", [&] { statements_->begin_immediate.execute(true); });
    return std::make_unique<SqliteIssueTransaction>(*statements_);
}

}  // namespace coupon::store
