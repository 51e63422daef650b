// coupon-server: parses the command line and the configuration, then runs a command.
#include <cstdio>

#include "cli.hpp"
#include "coupon/messaging/policy_series.hpp"
#include "commands.hpp"
#include "coupon/base/log.hpp"

int main(int argc, char** argv) {
    using namespace coupon::app;
    std::string error;
    const auto command_line = parse_command_line(argc, argv, error);
    if (!command_line) {
        std::fprintf(stderr, "coupon-server: %s\n", error.c_str());
        return 2;
    }
    if (command_line->command == Command::Help) {
        std::fputs(usage_text().c_str(), stdout);
        return 0;
    }
    if (command_line->command == Command::Version) {
        std::printf("coupon-server %s\n", COUPON_VERSION);
        return 0;
    }
    Config config;
    try {
        config = load_config(command_line->config_path, process_environment());
    } catch (const ConfigError& e) {
        std::fprintf(stderr, "coupon-server: configuration error: %s\n", e.what());
        return 2;
    }
    coupon::log::Level level{};
    coupon::log::parse_level(config.log.level, level);
    coupon::log::set_level(level);
    coupon::log::Format format{};
    coupon::log::parse_format(config.log.format, format);
    coupon::log::set_format(format);
    coupon::messaging::set_policy_series_bound(static_cast<std::size_t>(config.metrics.policy_series));
    coupon::log::info("app", "coupon-server {} ({})", COUPON_VERSION,
                      command_line->config_path.empty() ? "built-in defaults" : command_line->config_path);
    try {
        return command_line->command == Command::Broker ? run_broker(config, command_line->bootstrap_file)
                                                        : run_server(config);
    } catch (const std::exception& e) {
        coupon::log::error("app", "fatal: {}", e.what());
        return 1;
    }
}
