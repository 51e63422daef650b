#include "liveness.hpp"

#include "coupon/base/log.hpp"

namespace coupon::app {

bool Liveness::check() {
    using std::chrono::duration_cast;
    using std::chrono::milliseconds;
    const auto stalled = loops_.stalled(bound_, wait_allowance_);
    if (!stalled) {
        if (stalled_) log::warn("app", "watchdog: every loop goes round again; pinging systemd again");
        stalled_ = false;
        return true;
    }
    if (!stalled_) {
        log::error("app",
                   "watchdog: {} has not gone round for {} ms (limit {} ms{}): the node is wedged; no longer pinging "
                   "systemd, which restarts it after WatchdogSec",
                   stalled->name, duration_cast<milliseconds>(stalled->since).count(),
                   duration_cast<milliseconds>(bound_ + (stalled->waiting ? wait_allowance_ : Duration::zero())).count(),
                   stalled->waiting ? ", in a database wait" : "");
    }
    stalled_ = true;
    return false;
}

Liveness::Duration liveness_bound(std::chrono::microseconds watchdog) {
    return std::max<Liveness::Duration>(watchdog / 2, std::chrono::seconds(1));
}

}  // namespace coupon::app
