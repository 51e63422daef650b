#pragma once
// The node's writers of one SQLite file take turns here before BEGIN IMMEDIATE, and hold their turn until
// their transaction ends (commit or rollback). SQLite grants its write lock to one connection at a time and
// makes the others poll for it: its busy handler sleeps 1, 2, 5, 10 ... up to 100 ms between tries, however
// soon the lock is free. With ten hot partitions the node's two consumers slept there about 10 times a second
// each, 2.3 ms a time (strace, scripts/bench scenario 6); a turn is handed to a waiting writer when its
// holder's transaction ends. Every writer of the node's own transactions takes one (the
// consumers' batches, policy changes, dead letters): a writer polling SQLite's lock from outside the turns
// would rarely find a gap between consumers that hand the lock straight on. Another process's writers still
// meet SQLite's lock and its busy handler.
#include <chrono>
#include <mutex>

namespace coupon::store {

class SqliteWriterTurns {
public:
    // wait_at_most: database.busy_timeout_ms, the same bound as SQLite's own wait for its lock.
    explicit SqliteWriterTurns(std::chrono::milliseconds wait_at_most) : wait_at_most_(wait_at_most) {}

    // This writer's turn, held until the returned lock is released. Throws StoreError ("database is
    // locked") when it does not come within the bound.
    std::unique_lock<std::timed_mutex> take();

private:
    std::timed_mutex turn_;
    const std::chrono::milliseconds wait_at_most_;
};

}  // namespace coupon::store
