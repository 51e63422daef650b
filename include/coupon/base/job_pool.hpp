#pragma once
// A fixed set of named threads running queued jobs, first in first out (one thread: one after the other,
// in order). A bounded queue: a full one refuses instead of blocking the thread that posts. Plain std: no
// Asio here, because nothing in it waits for I/O of its own.
//
// Users: the HTTP front end's blocking pool (handlers that may block, database queries and readiness
// probes, run there so the I/O threads only move bytes; a full queue answers 503 with Retry-After), the
// operator's replays (one thread, so two replays never race over the same dead letters), and a consumer
// member's sender (publish_pipeline.hpp: a big batch's results are encoded and produced there while the
// member decides the next batch).
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace coupon::base {

class JobPool {
public:
    // What destruction does with the jobs still queued.
    enum class OnStop {
        // Drop them unrun: the HTTP server stopped before its routes are destroyed, so their connections are
        // gone; a stopping consumer member commits nothing that was not stored.
        DropQueued,
        // Run them: each sees stopping() and answers at once (a replay tells its operator so).
        RunQueued,
    };

    // threads and capacity are at least 1; the threads are named `name` (one thread) or `name`-0, `name`-1,
    // ... (a log line about a job that threw names it too).
    JobPool(std::size_t threads, std::size_t capacity, std::string name, OnStop on_stop = OnStop::DropQueued);
    // Marks stopping, lets the running jobs finish, deals with the queued ones as `on_stop` says, and joins.
    ~JobPool();
    JobPool(const JobPool&) = delete;
    JobPool& operator=(const JobPool&) = delete;

    // Queues the job; false (and the job is not kept) when the queue is full or the pool is stopping.
    bool post(std::function<void()> job);
    // Jobs queued and not started yet (tests, metrics).
    std::size_t queued() const;
    // True once destruction began: a long job checks it before each step and gives up.
    bool stopping() const;

private:
    void run();

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::function<void()>> jobs_;
    const std::size_t capacity_;
    const std::string name_;
    const OnStop on_stop_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;  // last: started after the members above exist
};

}  // namespace coupon::base
