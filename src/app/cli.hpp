#pragma once
// Command line: `coupon-server [serve|broker] [--config FILE] [--bootstrap-file FILE] [--help] [--version]`.
#include <optional>
#include <string>

namespace coupon::app {

enum class Command { Serve, Broker, Help, Version };

struct CommandLine {
    Command command = Command::Serve;
    std::string config_path;     // --config, else $COUPON_CONFIG, else built-in defaults
    std::string bootstrap_file;  // broker: where to write the bootstrap address
};

// Returns nullopt and sets `error` for an unusable command line.
std::optional<CommandLine> parse_command_line(int argc, const char* const* argv, std::string& error);
std::string usage_text();

}  // namespace coupon::app
