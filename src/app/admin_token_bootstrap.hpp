#pragma once
// The first five minutes: on the embedded default (no kafka.bootstrap_servers) with no admin token
// configured, a newcomer could not create a single policy. The node then makes a random token for this run,
// writes it to a 0600 file in server.data_dir and names the file (never the token) in the log. Anything
// that looks like production (a real or shared broker, or any configured token) stays explicit.
#include <string>

#include "coupon/app/config.hpp"

namespace coupon::app {

// The file the generated token is written to: <server.data_dir>/admin_token.
std::string generated_token_path(const Config& config);

// True when the node should generate a token: own embedded broker and no token from any source.
bool wants_generated_admin_token(const Config& config);

// If wants_generated_admin_token(config): makes a token (32 random bytes from the kernel, hex), writes it
// to generated_token_path() with mode 0600 (replacing any earlier one atomically), stores it in
// config.http.admin_token and logs the file's path. Throws std::runtime_error when it cannot (start-up fails).
void bootstrap_admin_token(Config& config);

}  // namespace coupon::app
