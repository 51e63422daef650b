#pragma once
// What the systemd watchdog asks before each ping (issue 8 item 10): is every loop of the process going round?
// The loops are the consumer workers and the HTTP I/O threads (base/heartbeat.hpp). A loop that has not beaten
// for longer than `bound` is wedged, except that a loop in a database wait gets the database's own bound on
// top (`wait_allowance`: the lock wait, statement and connect timeouts), so a database outage never stops the
// pings: it is readiness (/ready), not liveness. Without pings systemd restarts the node (WatchdogSec).
#include <chrono>

#include "coupon/base/heartbeat.hpp"

namespace coupon::app {

class Liveness {
public:
    using Duration = base::MonotonicClock::Duration;
    Liveness(base::Heartbeats& loops, Duration bound, Duration wait_allowance)
        : loops_(loops), bound_(bound), wait_allowance_(wait_allowance) {}

    // True when no loop is wedged. Logs, once per stall, which loop and since when (and when all beat again).
    bool check();

    Duration bound() const { return bound_; }
    Duration wait_allowance() const { return wait_allowance_; }

private:
    base::Heartbeats& loops_;
    Duration bound_;
    Duration wait_allowance_;
    bool stalled_ = false;  // the last check found a wedged loop (only the watchdog thread calls check())
};

// The bound for a watchdog of `watchdog` (WatchdogSec): half of it, but at least a second, so a loaded
// machine's scheduling delays are not taken for a wedge.
Liveness::Duration liveness_bound(std::chrono::microseconds watchdog);

}  // namespace coupon::app
