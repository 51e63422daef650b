#include "commands.hpp"
#include "coupon/domain/log.hpp"
#include "node.hpp"
#include "process_signals.hpp"

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
    const int sig = wait_for_stop_signal();
    log::info("app", "signal {}: stopping (draining requests, finishing batches, committing offsets)", sig);
    node.stop();
    log::info("app", "stopped cleanly");
    return 0;
}

}  // namespace coupon::app
