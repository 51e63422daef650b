#include "commands.hpp"
#include "coupon/base/heartbeat.hpp"
#include "coupon/base/log.hpp"
#include "liveness.hpp"
#include "node.hpp"
#include "process_signals.hpp"
#include "systemd_notify.hpp"

namespace coupon::app {

int run_server(const Config& config) {
    block_stop_signals();
    raise_open_file_limit();
    Node node(config);
    try {
        node.start();
    } catch (const std::exception& e) {
        log::error("app", "cannot start: {}", e.what());
        return 1;
    }
    // READY=1 even while the database is awaited: the process is up; /ready is the traffic signal.
    systemd_notify(node.waiting_for_database() ? "READY=1\nSTATUS=waiting for the database"
                                               : "READY=1\nSTATUS=serving");
    int sig = 0;
    {
        const auto timeout = systemd_watchdog_timeout();
        Liveness liveness(base::Heartbeats::global(), liveness_bound(timeout), node.database_wait_bound());
        if (timeout.count() > 0) {
            log::info("app", "watchdog: a loop counts as wedged after {} ms without going round ({} ms more in a "
                             "database wait); {} loops watched",
                      std::chrono::duration_cast<std::chrono::milliseconds>(liveness.bound()).count(),
                      std::chrono::duration_cast<std::chrono::milliseconds>(liveness.wait_allowance()).count(),
                      base::Heartbeats::global().size());
        }
        SystemdWatchdog watchdog([&liveness] { return liveness.check(); });
        sig = wait_for_stop_signal();
    }
    systemd_notify("STOPPING=1");
    log::info("app", "signal {}: stopping (draining requests, finishing batches, committing offsets)", sig);
    node.stop();
    log::info("app", "stopped cleanly");
    return 0;
}

}  // namespace coupon::app
