#pragma once
// Where handlers that may block (database queries, readiness probes) run, so the HTTP I/O threads only
// move bytes: a slow or locked database then delays the reads that need it, never the Kafka-only
// POST /api/coupons path, /health or /metrics.
//
// A fixed set of threads and a bounded queue of jobs; a full queue refuses (the caller answers 503 with
// Retry-After) instead of blocking the I/O thread that posts. Plain std: no Asio here, because nothing in
// it waits for I/O of its own.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace coupon::http {

class BlockingPool {
public:
    // threads and capacity are at least 1.
    BlockingPool(std::size_t threads, std::size_t capacity);
    // Lets the running jobs finish, drops the queued ones without running them (their connections are
    // gone: the server stopped before its routes are destroyed), and joins.
    ~BlockingPool();
    BlockingPool(const BlockingPool&) = delete;
    BlockingPool& operator=(const BlockingPool&) = delete;

    // Queues the job; false (and the job is not kept) when the queue is full or the pool is stopping.
    bool post(std::function<void()> job);
    // Jobs queued and not started yet (tests, metrics).
    std::size_t queued() const;

private:
    void run();

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::function<void()>> jobs_;
    const std::size_t capacity_;
    bool stopping_ = false;
    std::vector<std::thread> threads_;  // last: started after the members above exist
};

}  // namespace coupon::http
