#pragma once
// Opens the database in the background when it was not there at start-up: retries store::Database::open
// with a growing pause (kFirstPause doubling up to kMaxPause, so a down database sees at most one connection
// attempt per kMaxPause from this node), logs the wait at most once per kLogEvery, and hands the opened
// database over once. It waits as long as it takes: the node stays alive (watchdog) and says why it is not
// ready (/ready, the log) instead of exiting and being restarted into the same outage.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "coupon/base/monotonic_clock.hpp"
#include "coupon/store/database.hpp"

namespace coupon::app {

class DatabaseWaiter {
public:
    static constexpr std::chrono::milliseconds kFirstPause{250};
    static constexpr std::chrono::milliseconds kMaxPause{5000};
    static constexpr std::chrono::seconds kLogEvery{10};

    // Runs on the waiter's thread, once, when the database opened.
    using Opened = std::function<void(std::unique_ptr<store::Database>)>;

    // clock: how long it has waited (status(), the log throttle). The pauses between attempts are real waits
    // on a condition variable, so stop() ends them at once.
    DatabaseWaiter(store::DatabaseConfig config, Opened opened,
                   const base::MonotonicClock& clock = base::steady_clock());
    ~DatabaseWaiter();  // stop()
    DatabaseWaiter(const DatabaseWaiter&) = delete;
    DatabaseWaiter& operator=(const DatabaseWaiter&) = delete;

    // Starts retrying; `first_error` is why the first attempt (the caller's) failed.
    void start(std::string first_error);
    // Stops retrying and joins (an attempt in progress ends within database.connect_timeout_ms; an
    // `opened` call in progress finishes first). Idempotent.
    void stop();
    // For /ready: "waiting for the database for 12 s (7 attempts): <last error>"; empty when not waiting.
    std::string status() const;

private:
    void run();

    store::DatabaseConfig config_;
    Opened opened_;
    const base::MonotonicClock& clock_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool waiting_ = false;
    bool stopping_ = false;
    base::MonotonicClock::TimePoint since_{};
    long long attempts_ = 0;
    std::string last_error_;
    std::thread thread_;
};

}  // namespace coupon::app
