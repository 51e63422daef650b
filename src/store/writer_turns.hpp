#pragma once
// The node's writers of one SQLite file take turns here before BEGIN IMMEDIATE, and hold their turn until
// their transaction ends (commit or rollback). SQLite grants its write lock to one connection at a time and
// makes the others poll for it: its busy handler sleeps 1, 2, 5, 10 ... up to 100 ms between tries, however
// soon the lock is free. With ten hot partitions the node's two consumers slept there about 10 times a second
// each, 2.3 ms a time (strace, scripts/bench scenario 6); a turn is handed to a waiting writer when its
// holder's transaction ends. Every writer of the node's own transactions takes one (the consumers' batches,
// policy changes, dead letters, a new policy): a writer polling SQLite's lock from outside the turns would
// rarely find a gap between consumers that hand the lock straight on. Another process's writers still meet
// SQLite's lock and its busy handler. (PostgreSQL's writers need none: they wait in the server's row locks.)
//
// A mutex and a condition variable, not std::timed_mutex: its timed lock is pthread_mutex_clocklock, which
// GCC 12's ThreadSanitizer does not intercept, so each release read as an unlock of an unlocked mutex (CI).
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <utility>

namespace coupon::store {

class WriterTurns {
public:
    // A writer's turn: held until destroyed or released.
    class Turn {
    public:
        Turn() = default;  // none (a backend without turns)
        Turn(Turn&& other) noexcept : turns_(std::exchange(other.turns_, nullptr)) {}
        Turn& operator=(Turn&& other) noexcept;
        Turn(const Turn&) = delete;
        Turn& operator=(const Turn&) = delete;
        ~Turn() { release(); }
        void release();

    private:
        friend class WriterTurns;
        explicit Turn(WriterTurns* turns) : turns_(turns) {}
        WriterTurns* turns_ = nullptr;
    };

    // wait_at_most: database.busy_timeout_ms, the same bound as SQLite's own wait for its lock.
    explicit WriterTurns(std::chrono::milliseconds wait_at_most) : wait_at_most_(wait_at_most) {}

    // This writer's turn. Throws StoreError ("database is locked") when it does not come within the bound.
    Turn take();

private:
    std::mutex mutex_;
    std::condition_variable freed_;
    bool taken_ = false;
    const std::chrono::milliseconds wait_at_most_;
};

}  // namespace coupon::store
