#pragma once
#include <string>

#include "coupon/app/config.hpp"

namespace coupon::app {

// `coupon-server serve`: the whole node. Returns the process exit code.
int run_server(const Config& config);
// `coupon-server broker`: the embedded broker alone, its address written to bootstrap_file.
int run_broker(const Config& config, const std::string& bootstrap_file);
// Writes the bootstrap address to `path` (atomically, so a reader never sees half of it).
void write_bootstrap_file(const std::string& path, const std::string& bootstrap_servers);

}  // namespace coupon::app
