#include <filesystem>
#include <fstream>

#include "commands.hpp"
#include "coupon/base/log.hpp"
#include "coupon/messaging/embedded_broker.hpp"
#include "process_signals.hpp"

namespace coupon::app {

void write_bootstrap_file(const std::string& path, const std::string& bootstrap_servers) {
    if (path.empty()) return;
    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << bootstrap_servers << "\n";
        if (!out) throw std::runtime_error("cannot write the bootstrap file " + path);
    }
    std::filesystem::rename(tmp, path);
}

int run_broker(const Config& config, const std::string& bootstrap_file) {
    block_stop_signals();
    const auto broker = messaging::EmbeddedBroker::start(config.kafka);
    const std::string file = bootstrap_file.empty() ? config.kafka.embedded.bootstrap_file : bootstrap_file;
    write_bootstrap_file(file, broker->bootstrap_servers());
    log::info("broker", "embedded Kafka broker at {} (topics created; memory only: a restart loses every record)",
              broker->bootstrap_servers());
    if (!file.empty()) log::info("broker", "bootstrap address written to {}", file);
    log::info("broker", "coupon-server broker ready");
    const int sig = wait_for_stop_signal();
    log::info("broker", "signal {}: stopping the embedded broker", sig);
    return 0;
}

}  // namespace coupon::app
