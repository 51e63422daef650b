#include "cli.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <string_view>

#include "coupon/app/config.hpp"

namespace coupon::app {

std::optional<CommandLine> parse_command_line(int argc, const char* const* argv, std::string& error) {
    CommandLine cl;
    if (const char* env = std::getenv("COUPON_CONFIG"); env != nullptr) cl.config_path = env;
    bool command_seen = false;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        auto value = [&](std::string& out) {
            if (i + 1 >= argc) {
                error = fmt::format("{} needs a value", arg);
                return false;
            }
            out = argv[++i];
            return true;
        };
        if (arg == "--help" || arg == "-h") {
            cl.command = Command::Help;
            return cl;
        } else if (arg == "--version" || arg == "-V") {
            cl.command = Command::Version;
            return cl;
        } else if (arg == "--config" || arg == "-c") {
            if (!value(cl.config_path)) return std::nullopt;
        } else if (arg.starts_with("--config=")) {
            cl.config_path = std::string(arg.substr(9));
        } else if (arg == "--bootstrap-file") {
            if (!value(cl.bootstrap_file)) return std::nullopt;
        } else if (!command_seen && (arg == "serve" || arg == "broker")) {
            cl.command = arg == "serve" ? Command::Serve : Command::Broker;
            command_seen = true;
        } else {
            error = fmt::format("unknown argument '{}' (see --help)", arg);
            return std::nullopt;
        }
    }
    return cl;
}

std::string usage_text() {
    std::string text =
        "Usage: coupon-server [serve] [--config FILE]\n"
        "       coupon-server broker [--config FILE] [--bootstrap-file FILE]\n"
        "       coupon-server --help | --version\n\n"
        "serve   (default) HTTP front end + Kafka consumers. With no kafka.bootstrap_servers it starts an\n"
        "        embedded in-process Kafka broker (memory only, for demos and tests) and uses SQLite.\n"
        "broker  runs only the embedded broker (topics created) and writes its address to --bootstrap-file,\n"
        "        so several local nodes can share it.\n\n"
        "--config FILE  YAML configuration (default: $COUPON_CONFIG, else built-in defaults)\n\n"
        "Configuration keys (environment variable, default):\n";
    for (const KeyInfo& k : config_keys()) {
        text += fmt::format("  {:<38} {:<44} {}\n      {}\n", k.key, k.env,
                            k.default_value.empty() ? "\"\"" : k.default_value, k.help);
    }
    return text;
}

}  // namespace coupon::app
