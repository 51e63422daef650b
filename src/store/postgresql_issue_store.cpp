#include "postgresql_issue_store.hpp"

#include <soci/soci.h>

#include "coupon/base/log.hpp"
#include "postgresql_issue_statements.hpp"
#include "postgresql_issue_transaction.hpp"
#include "store_errors.hpp"

namespace coupon::store {

PgIssueStore::PgIssueStore(PgSessionSettings settings)
    : settings_(std::move(settings)), sql_(std::make_unique<soci::session>()) {
    guarded("opening a PostgreSQL connection", [&] {
        open_postgresql(*sql_, settings_);
        statements_ = std::make_unique<PgIssueStatements>(*sql_);
    });
}

// Statements must go before the session they were prepared on.
PgIssueStore::~PgIssueStore() { statements_.reset(); }

void PgIssueStore::reconnect() {
    log::warn("store", "PostgreSQL connection lost; reconnecting");
    // Prepared statements live on the server connection and refer to SOCI's old session backend.
    statements_.reset();
    reconnect_postgresql(*sql_, settings_);
    statements_ = std::make_unique<PgIssueStatements>(*sql_);
    log::info("store", "PostgreSQL connection re-established");
}

std::unique_ptr<domain::IssueTransaction> PgIssueStore::begin() {
    guarded("BEGIN", [&] {
        if (!statements_ || !postgresql_connected(*sql_)) reconnect();
        try {
            sql_->begin();
            return;
        } catch (...) {
            if (postgresql_connected(*sql_)) throw;
        }
        // libpq only notices a dropped connection when a statement fails. Nothing of this transaction
        // exists yet, so it can simply start again on a fresh connection.
        reconnect();
        sql_->begin();
    });
    return std::make_unique<PgIssueTransaction>(*statements_);
}

}  // namespace coupon::store
