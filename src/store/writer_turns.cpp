#include "writer_turns.hpp"

#include <fmt/format.h>

#include "coupon/domain/store_error.hpp"

namespace coupon::store {

WriterTurns::Turn& WriterTurns::Turn::operator=(Turn&& other) noexcept {
    if (this != &other) {
        release();
        turns_ = std::exchange(other.turns_, nullptr);
    }
    return *this;
}

void WriterTurns::Turn::release() {
    WriterTurns* turns = std::exchange(turns_, nullptr);
    if (turns == nullptr) return;
    {
        std::lock_guard lock(turns->mutex_);
        turns->taken_ = false;
    }
    turns->freed_.notify_one();
}

WriterTurns::Turn WriterTurns::take() {
    std::unique_lock lock(mutex_);
    if (!freed_.wait_for(lock, wait_at_most_, [this] { return !taken_; })) {
        throw domain::StoreError(fmt::format(
            "BEGIN IMMEDIATE: database is locked (another writer of this node kept its turn over {} ms)",
            wait_at_most_.count()));
    }
    taken_ = true;
    return Turn(this);
}

}  // namespace coupon::store
