#pragma once
// Where outcomes from the result topic meet the HTTP requests waiting for them, and what this node knows
// about stock: plain std, thread-safe.
//
// The Kafka result listener calls publish() for every result it reads (each node reads all of them).
// The issue handler calls wait() (or track()) BEFORE submitting the request, so the result cannot overtake
// the registration; then confirm() once the broker stored it, cancel() when the broker refused it before
// the client was answered, or not_queued() when it refused it after the client was told UNCONFIRMED.
// Each request this node took is remembered (bounded, oldest forgotten first) in one of the states of
// docs/request-states.md: UNCONFIRMED, PENDING, NOT_QUEUED, or decided (its result).
//
// Where a request's entry lives: a ring of `recent_capacity` entries, oldest overwritten first. An id this
// node writes (new_request_id()) carries its ring position, so wait(), confirm(), publish() and status()
// find the entry by reading the id, with no table: no hashing, no allocation, and the entries of requests
// close in time sit close in memory (a table of 100,000 string keys cost about 7% of the CPU of a saturated
// node, perf). Any other id (a test's, or one a caller made up) gets the next position and a text index.
// A request still waiting when recent_capacity newer ones have taken positions is answered as at its
// deadline (nullopt): at 40,000 requests a second the default ring turns in 2.5 s, so only a wait longer
// than that meets it.
//
// One timer thread serves every deadline (a min-heap and a condition variable): no thread per request.
// It starts in the constructor, so a board can never be left without its timer. A deadline is served up to
// kDeadlineSlack late, so one wake-up serves all that fell due meanwhile.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "coupon/domain/types.hpp"
#include "coupon/http/holder_memory.hpp"

namespace coupon::http {

class OutcomeBoard {
public:
    using Deadline = std::chrono::steady_clock::time_point;
    // Called exactly once: with the result, or with nullopt at the deadline (or at stop()). It runs on
    // the publishing thread, the timer thread, or (when the outcome is already known) inside wait();
    // it must not block and must not call back into the board under a lock of its own.
    using Callback = std::function<void(std::optional<domain::IssueResult>)>;

    // recent_capacity bounds how many request ids taken here are remembered for status(); holder_capacity
    // how many (user, policy) pairs holds() remembers.
    explicit OutcomeBoard(std::size_t recent_capacity = 100'000, std::size_t holder_capacity = 500'000);
    ~OutcomeBoard();
    OutcomeBoard(const OutcomeBoard&) = delete;
    OutcomeBoard& operator=(const OutcomeBoard&) = delete;

    // What this node knows about a request it took (see docs/request-states.md).
    enum class State {
        Unconfirmed,  // handed to the broker, no acknowledgement yet (or an ambiguous one)
        Pending,      // stored by the broker, no outcome yet
        NotQueued,    // the broker's delivery report says it was not stored: it will never be decided
        Decided,      // its outcome was read from the result topic
    };
    struct Status {
        State state = State::Unconfirmed;
        std::optional<domain::IssueResult> result;  // set when Decided
        domain::PolicyId policy = 0;                // the policy it claims (0: not said)
    };
    // A policy's stock as this node last learned it: the smallest `remaining` of its results (a redelivered
    // result may carry an older, larger figure), or the database's count when seeded (learn_stock).
    struct Stock {
        std::int64_t remaining = 0;
        std::optional<domain::TimePoint> sold_out_at;  // decided_at of the first result seen with none left
    };
    // Called once with a result read for the watched request id (any id, taken here or not).
    using Watcher = std::function<void(const domain::IssueResult&)>;

    // A new request id (UUIDv7, http/request_id.hpp) with the next ring position written into it. The
    // position is this id's from now on (the oldest entry gives way); wait() or track() follow.
    std::string new_request_id(domain::TimePoint now);

    // Tracks request_id (UNCONFIRMED until confirm()) and calls `callback` once with its outcome or at
    // `deadline`. If the outcome was already published for a tracked id, the callback runs at once. A
    // second wait for the same id answers the earlier waiter with nullopt and takes its place.
    // `policy` is remembered for status() (likelySoldOut of a PENDING answer).
    void wait(const std::string& request_id, Deadline deadline, Callback callback, domain::PolicyId policy = 0);
    // Tracks request_id (UNCONFIRMED until confirm()) without waiting.
    void track(const std::string& request_id, domain::PolicyId policy = 0);
    // The broker stored it: UNCONFIRMED becomes PENDING (no change once decided or forgotten). With
    // `drop_waiter_too` its waiter goes too, without a call, as release() drops it (the client was answered
    // with this acknowledgement): one lock and one lookup for both, once per respond-async request.
    void confirm(const std::string& request_id, bool drop_waiter_too = false);
    // The broker certainly did not store it, and the client was already answered: UNCONFIRMED becomes
    // NOT_QUEUED (no change once decided or forgotten). Its waiter, if any, is dropped without a call.
    void not_queued(const std::string& request_id);
    // Drops the waiter without calling it and keeps tracking the id (the client was answered already).
    void release(const std::string& request_id);
    // Forgets request_id and drops its waiter without calling it (the request was never stored and the
    // client is told so).
    void cancel(const std::string& request_id);

    // Every result read from the result topic. Resolves a tracked id; for any id, learns sold-out
    // (outcome SoldOut, or remaining == 0) and who holds a coupon (holds()).
    void publish(const domain::IssueResult& result);

    // Taken here, no outcome yet, and not known to be lost: UNCONFIRMED or PENDING (within the recent window).
    bool is_pending(const std::string& request_id) const;
    // The state of a request taken here; nullopt when it was not taken here or has been forgotten.
    std::optional<Status> status(const std::string& request_id) const;

    void mark_sold_out(domain::PolicyId policy);
    bool is_sold_out(domain::PolicyId policy) const;
    // The user is known to hold the policy's coupon (a result said so); false when unknown or forgotten.
    bool holds(domain::UserId user, domain::PolicyId policy) const { return holders_.holds(user, policy); }

    // What this node knows of a policy's stock; nullopt before any of its results was read (or beyond
    // kMaxStockPolicies policies).
    std::optional<Stock> stock(domain::PolicyId policy) const;
    // A figure read from the database (policy total - issued): kept when lower than what is known.
    void learn_stock(domain::PolicyId policy, std::int64_t remaining);
    static constexpr std::size_t kMaxStockPolicies = 100'000;
    static constexpr std::chrono::milliseconds kDeadlineSlack{10};

    // Event streams: `watcher` runs once, on the publishing thread, with the first final result read for
    // request_id after this call; the returned token unwatches. Bounded by the caller (http.max_event_streams).
    std::uint64_t watch(const std::string& request_id, Watcher watcher);
    void unwatch(const std::string& request_id, std::uint64_t token);

    // Waiters currently registered (tests, metrics, and the request producer's linger for every request:
    // read without the lock).
    std::size_t waiting() const;
    // Watchers currently registered (tests).
    std::size_t watching() const;

    // Fires every remaining waiter with nullopt and joins the timer thread. Idempotent; the destructor
    // calls it. After stop(), wait() answers nullopt at once.
    void stop();

private:
    // One remembered request. `used` from new_request_id() or the first wait()/track() until it is
    // cancelled or its position is taken again.
    struct Entry {
        std::uint64_t high = 0;  // the id's bits (parse_request_id); both 0 for an id found by text
        std::uint64_t low = 0;
        bool used = false;
        State state = State::Unconfirmed;
        domain::PolicyId policy = 0;
        std::uint64_t waiter_seq = 0;  // 0: no waiter
        Callback callback;
        std::optional<domain::IssueResult> result;  // set when Decided
        std::string text;  // the id, when found through text_index_ (not written by new_request_id)
    };
    struct Due {
        Deadline deadline;
        std::uint64_t seq;
        std::size_t position;
        bool operator>(const Due& other) const { return deadline > other.deadline; }
    };
    // The ring in chunks allocated on first use: an idle node does not hold recent_capacity entries.
    static constexpr std::size_t kChunk = 4096;

    Entry& entry_at(std::size_t position);
    // The next position, emptied: a waiter still there goes into `evicted`, to be called with nullopt.
    std::size_t take_position(std::vector<Callback>& evicted);
    // The position of request_id's entry: read from an id written here, else from the text index.
    std::optional<std::size_t> locate(const std::string& request_id) const;
    Entry* find(const std::string& request_id);
    const Entry* find(const std::string& request_id) const;
    // The entry of request_id, taking a position for an id not seen before.
    std::size_t claim(const std::string& request_id, domain::PolicyId policy, std::vector<Callback>& evicted);
    // Drops an entry's waiter without calling it.
    void drop_waiter(Entry& entry);
    void learn_stock_locked(domain::PolicyId policy, std::int64_t remaining, std::optional<domain::TimePoint> at);

    void run_timer();

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::uint64_t next_seq_ = 0;
    std::priority_queue<Due, std::vector<Due>, std::greater<>> deadlines_;
    const std::size_t capacity_;
    std::vector<std::unique_ptr<Entry[]>> chunks_;
    std::uint64_t positions_taken_ = 0;  // the next position is positions_taken_ % capacity_
    std::unordered_map<std::string, std::size_t> text_index_;
    std::atomic<std::size_t> waiting_{0};  // changed under mutex_, read without it
    // Its own lock: every issue request asks is_sold_out() on an I/O thread, and must not queue behind
    // wait() and publish() for it. Taken inside mutex_ (publish), never the other way round.
    mutable std::mutex sold_out_mutex_;
    std::unordered_set<domain::PolicyId> sold_out_;
    std::unordered_map<domain::PolicyId, Stock> stock_;
    std::unordered_multimap<std::string, std::pair<std::uint64_t, Watcher>> watchers_;
    std::uint64_t next_watch_ = 1;
    HolderMemory holders_;  // its own lock: publish() feeds it outside mutex_
    std::thread timer_;
};

}  // namespace coupon::http
