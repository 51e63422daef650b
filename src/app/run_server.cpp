#include "commands.hpp"
#include "coupon/base/log.hpp"
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
        SystemdWatchdog watchdog([&node] { return node.healthy(); });
        sig = wait_for_stop_signal();
    }
    systemd_notify("STOPPING=1");
    log::info("app", "signal {}: stopping (draining requests, finishing batches, committing offsets)", sig);
    node.stop();
    log::info("app", "stopped cleanly");
    return 0;
}

}  // namespace coupon::app
