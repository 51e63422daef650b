#pragma once
// The database's identity: a random id written once, the first time any node opens the database, and read
// by every later open. Nodes stamp it on the results they publish (result_publisher.hpp) so that several nodes
// on one Kafka cluster notice when they do not share one database: each would otherwise issue the full stock
// (issue 8 item 12; docs/operations.md, "Nodes on different databases").
//
// Kept in code, not in a numbered migration: it is data, not schema, and must exist on every database
// whatever migrations it has.
#include <functional>
#include <string>

namespace soci {
class session;
}

namespace coupon::store {

// Creates the table if missing and the id if none is there, inside the transaction `begin_write` opens (the
// migration lock: two nodes opening a new database at once agree on one id). Returns the id (32 hex digits).
std::string ensure_database_identity(soci::session& sql, const std::function<void(soci::session&)>& begin_write);

}  // namespace coupon::store
