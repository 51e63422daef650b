#pragma once
// Liveness of the node's loops (issue 8 item 10): each loop that must keep turning (a consumer worker, an
// HTTP I/O thread) owns a Heartbeat and beats it every time round; the systemd watchdog asks Heartbeats
// which loop has not beaten for too long (app/liveness.hpp) and stops pinging when one is wedged.
//
// A loop about to block in a wait that has its own bound (a database statement: busy_timeout,
// statement_timeout, connect_timeout) says so with Heartbeat::Waiting: it is then allowed that bound on top,
// so a database outage is never taken for a wedged worker (it is readiness, not liveness).
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "coupon/base/monotonic_clock.hpp"

namespace coupon::base {

class Heartbeat {
public:
    Heartbeat(std::string name, const MonotonicClock& clock);
    Heartbeat(const Heartbeat&) = delete;
    Heartbeat& operator=(const Heartbeat&) = delete;

    const std::string& name() const { return name_; }
    // The loop went round. Cheap (a clock read and a relaxed store): call it every iteration.
    void beat();
    MonotonicClock::TimePoint last() const;
    bool waiting() const { return waiting_.load(std::memory_order_relaxed) > 0; }

    // While one lives, the loop is in a wait bounded elsewhere (the database's timeouts). Beats on both ends.
    class Waiting {
    public:
        explicit Waiting(Heartbeat* heartbeat);  // null: nothing
        ~Waiting();
        Waiting(const Waiting&) = delete;
        Waiting& operator=(const Waiting&) = delete;

    private:
        Heartbeat* heartbeat_;
    };

private:
    std::string name_;
    const MonotonicClock& clock_;
    std::atomic<MonotonicClock::Duration::rep> last_;
    std::atomic<int> waiting_{0};
};

// The loops of the process. Thread-safe.
class Heartbeats {
public:
    explicit Heartbeats(const MonotonicClock& clock = steady_clock()) : clock_(clock) {}
    // The process's registry: what the node's loops register with and the watchdog reads.
    static Heartbeats& global();

    // A new loop, beaten once now. It counts until its last owner lets it go (a stopped loop drops it).
    std::shared_ptr<Heartbeat> add(std::string name);

    struct Stalled {
        std::string name;
        MonotonicClock::Duration since;  // since its last beat
        bool waiting = false;            // in a bounded wait (Heartbeat::Waiting)
    };
    // The loop whose last beat is the oldest among those past their limit: `bound`, plus `wait_allowance` for a
    // loop in a bounded wait. Nothing when every loop beat in time.
    std::optional<Stalled> stalled(MonotonicClock::Duration bound, MonotonicClock::Duration wait_allowance);
    std::size_t size();  // loops registered and alive

private:
    const MonotonicClock& clock_;
    std::mutex mutex_;
    std::vector<std::weak_ptr<Heartbeat>> loops_;  // bounded by the node's threads; expired ones are dropped
};

}  // namespace coupon::base
