#pragma once
// Binds one configuration key to a field: the value comes from the environment variable, else from the
// YAML file, else the field keeps its default. The same calls, run over defaults, document every key.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "coupon/app/config.hpp"

namespace coupon::app {

struct FlatYaml {
    std::map<std::string, std::string> scalars;      // "http.port" -> "8080"
    std::map<std::string, Properties> property_maps; // "kafka.properties" -> raw librdkafka properties
};

// Throws ConfigError for a file that cannot be read or parsed, and for YAML that is not a mapping of
// sections with scalar leaves.
FlatYaml read_yaml_file(const std::string& path);
// The same from text already in memory; `origin` names it in errors (tests and the config fuzz target).
FlatYaml read_yaml_text(const std::string& text, const std::string& origin);
std::string env_name_of(const std::string& key);

class ConfigBinder {
public:
    ConfigBinder(const FlatYaml& yaml, const std::map<std::string, std::string>& env) : yaml_(yaml), env_(env) {}

    void bind(const std::string& key, std::string& field, const std::string& help);
    void bind(const std::string& key, std::int64_t& field, std::int64_t min, std::int64_t max, const std::string& help);
    void bind(const std::string& key, bool& field, const std::string& help);
    void bind(const std::string& key, double& field, double min, double max, const std::string& help);
    // Raw librdkafka properties: a YAML map, and the variable as "name=value,name=value".
    void bind(const std::string& key, Properties& field, const std::string& help);

    const std::vector<KeyInfo>& keys() const { return keys_; }
    // Throws ConfigError for a YAML key that no bind() call knows (a typo would otherwise be ignored).
    void reject_unknown_keys() const;

private:
    // The raw text for a key and where it came from, or false when neither source has it.
    bool lookup(const std::string& key, std::string& value, std::string& origin) const;
    void remember(const std::string& key, const std::string& default_value, const std::string& help);

    const FlatYaml& yaml_;
    const std::map<std::string, std::string>& env_;
    std::vector<KeyInfo> keys_;
    std::set<std::string> known_;
};

void bind_all(Config& config, ConfigBinder& binder);

// load_config() after the file is read: binds, rejects unknown keys, validates (reading admin.token_file).
Config load_config(const FlatYaml& yaml, const std::map<std::string, std::string>& env);

}  // namespace coupon::app
