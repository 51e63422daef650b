#pragma once
// Where outcomes from the result topic meet the HTTP requests waiting for them, and what this node knows
// about stock: plain std, thread-safe.
//
// The Kafka result listener calls publish() for every result it reads (each node reads all of them).
// The issue handler calls wait() (or track() for Prefer: respond-async) BEFORE submitting the request, so
// the result cannot overtake the registration, and cancel() when the broker refused the request.
//
// One timer thread serves every deadline (a min-heap and a condition variable): no thread per request.
// It starts in the constructor, so a board can never be left without its timer.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <queue>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "coupon/domain/types.hpp"

namespace coupon::http {

class OutcomeBoard {
public:
    using Deadline = std::chrono::steady_clock::time_point;
    // Called exactly once: with the result, or with nullopt at the deadline (or at stop()). It runs on
    // the publishing thread, the timer thread, or (when the outcome is already known) inside wait();
    // it must not block and must not call back into the board under a lock of its own.
    using Callback = std::function<void(std::optional<domain::IssueResult>)>;

    // recent_capacity bounds how many accepted-here request ids are remembered for is_pending().
    explicit OutcomeBoard(std::size_t recent_capacity = 100'000);
    ~OutcomeBoard();
    OutcomeBoard(const OutcomeBoard&) = delete;
    OutcomeBoard& operator=(const OutcomeBoard&) = delete;

    // Tracks request_id as accepted here and calls `callback` once with its outcome or at `deadline`.
    // If the outcome was already published for a tracked id, the callback runs at once. A second wait
    // for the same id answers the earlier waiter with nullopt and takes its place.
    void wait(const std::string& request_id, Deadline deadline, Callback callback);
    // Tracks request_id as accepted here without waiting (Prefer: respond-async).
    void track(const std::string& request_id);
    // Forgets request_id and drops its waiter without calling it (the request was never stored).
    void cancel(const std::string& request_id);

    // Every result read from the result topic. Resolves a tracked id; for any id, learns sold-out
    // (outcome SoldOut, or remaining == 0).
    void publish(const domain::IssueResult& result);

    // Accepted here and no outcome yet (within the recent window).
    bool is_pending(const std::string& request_id) const;

    void mark_sold_out(domain::PolicyId policy);
    bool is_sold_out(domain::PolicyId policy) const;

    // Waiters currently registered (tests, metrics).
    std::size_t waiting() const;

    // Fires every remaining waiter with nullopt and joins the timer thread. Idempotent; the destructor
    // calls it. After stop(), wait() answers nullopt at once.
    void stop();

private:
    struct Waiter {
        Callback callback;
        std::uint64_t seq;
    };
    struct Due {
        Deadline deadline;
        std::uint64_t seq;
        std::string request_id;
        bool operator>(const Due& other) const { return deadline > other.deadline; }
    };
    struct Recent {
        std::optional<domain::IssueResult> result;  // nullopt: still pending
    };

    void run_timer();
    void remember(const std::string& request_id);

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::uint64_t next_seq_ = 0;
    std::unordered_map<std::string, Waiter> waiters_;
    std::priority_queue<Due, std::vector<Due>, std::greater<>> deadlines_;
    std::unordered_map<std::string, Recent> recent_;
    std::deque<std::string> recent_order_;  // oldest first, to bound recent_
    std::size_t recent_capacity_;
    std::unordered_set<domain::PolicyId> sold_out_;
    std::thread timer_;
};

}  // namespace coupon::http
