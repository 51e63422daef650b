#pragma once
// The configuration (STYLE item 10): one YAML file plus COUPON_* environment overrides, bound by
// load_config() straight into the modules' own config structs (src/app/config_keys.cpp lists every key).
// Only the app reads it and hands each module its part.
#include <chrono>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "coupon/http/http_config.hpp"
#include "coupon/messaging/kafka_config.hpp"
#include "coupon/messaging/policy_series.hpp"
#include "coupon/store/database_config.hpp"

namespace coupon::app {

// A configuration problem found at start-up. The message names the key and where the value came from.
// Control characters in the message (a key or value quoted from the file or a variable) are written as \xNN:
// a NUL would otherwise cut the message where it is printed, even to nothing (a fuzz finding).
class ConfigError : public std::runtime_error {
public:
    explicit ConfigError(const std::string& message);
};

// The app's own settings; everything else is a module's config struct, bound key by key.
struct ServerSettings {
    std::string data_dir = "./data";
    // On SIGTERM, the bound on draining and in-flight work (the loader copies it into http.drain_timeout and
    // kafka.shutdown_drain).
    std::chrono::milliseconds shutdown_timeout{10000};
};

struct LogSettings {
    std::string level = "info";   // debug | info | warn | error
    std::string format = "text";  // text | json (coupon/base/log.hpp)
};

struct MetricsSettings {
    int policy_series = static_cast<int>(messaging::kDefaultPolicySeries);
};

// Files the loader reads secrets from (into http.admin_token and http.auth.jwt).
struct SecretFiles {
    std::string admin_token;
    std::string jwt_secret;
    std::string jwt_public_key;
};

// The whole configuration: each module's own config struct, whose defaults are the only defaults
// (conf/coupon-server.yaml and --help are checked against them by test/unit/config_sources_test.cpp).
struct Config {
    ServerSettings server;
    LogSettings log;
    MetricsSettings metrics;
    SecretFiles secret_files;
    http::HttpConfig http;
    store::DatabaseConfig database;
    messaging::KafkaConfig kafka;
};

// One documented key: what --help prints and what the loader accepts.
struct KeyInfo {
    std::string key;
    std::string env;
    std::string default_value;
    std::string help;
};

// Reads `yaml_path` (empty: defaults only), applies COUPON_* variables from `env`, validates.
// Throws ConfigError naming the key.
Config load_config(const std::string& yaml_path, const std::map<std::string, std::string>& env);
std::map<std::string, std::string> process_environment();
std::vector<KeyInfo> config_keys();

}  // namespace coupon::app
