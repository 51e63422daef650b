#include "sqlite_writer_turns.hpp"

#include <fmt/format.h>

#include "coupon/domain/store_error.hpp"

namespace coupon::store {

std::unique_lock<std::timed_mutex> SqliteWriterTurns::take() {
    std::unique_lock turn(turn_, std::defer_lock);
    if (!turn.try_lock_for(wait_at_most_)) {
        throw domain::StoreError(fmt::format(
            "BEGIN IMMEDIATE: database is locked (another writer of this node kept its turn over {} ms)",
            wait_at_most_.count()));
    }
    return turn;
}

}  // namespace coupon::store
