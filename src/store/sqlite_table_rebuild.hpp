#pragma once
// SQLite changes a table's constraints only by rebuilding it (create a new one, copy, drop the old, rename),
// and dropping a table drops its indexes and triggers with it; renaming the new one fails while a view names
// the missing table. A migration that rebuilds tables says which in a line of its own:
//
//   -- rebuilds: coupon_issue_request coupon
//
// and runs through run_sqlite_migration, which keeps what an operator added: the named tables' indexes that
// have SQL of their own (not a PRIMARY KEY's or UNIQUE's automatic index), and every view and trigger, are
// read before the script, the views and triggers dropped, and whatever the script did not create again is
// created again after it, in the same transaction. If one of them no longer fits the new tables, the
// migration fails and rolls back, naming it.
#include <string>
#include <string_view>
#include <vector>

namespace soci {
class session;
}

namespace coupon::store {

// Runs `script` (exec_sqlite_script) inside the caller's transaction, keeping the rebuilt tables' operator
// indexes and every view and trigger. Returns the names of the objects it created again.
std::vector<std::string> run_sqlite_migration(soci::session& sql, std::string_view script);

}  // namespace coupon::store
