#pragma once
// Blocking admin work off the I/O threads: a replay waits for the broker's acknowledgement (seconds when
// the broker is slow), and an I/O thread must never wait. One thread runs the jobs in order, so two
// replays never race each other over the same dead letters. The queue is bounded: a full queue refuses.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace coupon::http {

class ReplayWorker {
public:
    explicit ReplayWorker(std::size_t capacity = 64);
    // Marks stopping, lets the running job finish and runs the queued ones (which see stopping() and
    // answer at once), then joins.
    ~ReplayWorker();
    ReplayWorker(const ReplayWorker&) = delete;
    ReplayWorker& operator=(const ReplayWorker&) = delete;

    // Queues the job; false when the queue is full or the worker is stopping (the caller answers 503).
    bool post(std::function<void()> job);
    // True once destruction began: a job checks it before each long step and gives up.
    bool stopping() const;

private:
    void run();

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::function<void()>> jobs_;
    std::size_t capacity_;
    bool stopping_ = false;
    std::thread thread_;  // last: starts after the members above exist
};

}  // namespace coupon::http
