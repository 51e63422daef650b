#pragma once
// Binds one configuration key to a field: the value comes from the environment variable, else from the
// YAML file, else the field keeps its default. The same calls, run over defaults, document every key.
#include <chrono>
#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <set>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "coupon/app/config.hpp"

namespace coupon::app {

using Properties = messaging::Properties;

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

// Binds keys straight into the modules' config structs: each field's initial value is the key's default
// (what --help prints), so a default exists in one place only.
class ConfigBinder {
public:
    ConfigBinder(const FlatYaml& yaml, const std::map<std::string, std::string>& env) : yaml_(yaml), env_(env) {}

    void bind(const std::string& key, std::string& field, const std::string& help);
    // One of `choices`; an empty value (COUPON_X= clears a key) means the first.
    void bind(const std::string& key, std::string& field, std::initializer_list<const char*> choices,
              const std::string& help);
    template <std::integral T>
        requires(!std::same_as<T, bool>)
    void bind(const std::string& key, T& field, std::int64_t min, std::int64_t max, const std::string& help) {
        std::string value, origin;
        if (take(key, std::to_string(field), help, value, origin)) {
            field = static_cast<T>(integer(key, value, origin, min, max));
        }
    }
    // A duration key in milliseconds (its name ends in _ms).
    void bind(const std::string& key, std::chrono::milliseconds& field, std::int64_t min, std::int64_t max,
              const std::string& help);
    void bind(const std::string& key, bool& field, const std::string& help);
    void bind(const std::string& key, double& field, double min, double max, const std::string& help);
    template <class E>
        requires std::is_enum_v<E>
    void bind(const std::string& key, E& field, std::initializer_list<std::pair<const char*, E>> names,
              const std::string& help) {
        std::string shown;
        for (const auto& [name, value] : names) {
            if (value == field) shown = name;
        }
        std::string value, origin;
        if (!take(key, shown, help, value, origin)) return;
        if (value.empty()) value = names.begin()->first;
        for (const auto& [name, e] : names) {
            if (value == name) {
                field = e;
                return;
            }
        }
        refuse_choice(key, value, origin, names);
    }
    // Raw librdkafka properties merged into `field`: a YAML map, and the variable as "name=value,name=value".
    void bind(const std::string& key, Properties& field, const std::string& help);

    // One librdkafka property of `map` under a typed key (kafka.producer.linger_ms -> linger.ms): the map's
    // entry is the default, the value is checked like the typed binds and stored as text. An integer entry
    // stored in units of `scale` (buffer.memory in bytes -> queue.buffering.max.kbytes) is shown in bytes.
    void bind_entry(const std::string& key, Properties& map, const std::string& name, std::int64_t min,
                    std::int64_t max, const std::string& help, std::int64_t scale = 1);
    void bind_entry(const std::string& key, Properties& map, const std::string& name, const std::string& help,
                    std::initializer_list<const char*> choices = {});
    void bind_bool_entry(const std::string& key, Properties& map, const std::string& name, const std::string& help);

    // A key that moved: the file or variable that still sets it is told where to.
    void moved(const std::string& old_key, const std::string& now);

    const std::vector<KeyInfo>& keys() const { return keys_; }
    // Throws ConfigError for a YAML key that no bind() call knows (a typo would otherwise be ignored).
    void reject_unknown_keys() const;

private:
    // Documents the key; true with the raw text and where it came from when the environment or the file sets it.
    bool take(const std::string& key, const std::string& default_text, const std::string& help, std::string& value,
              std::string& origin);
    // The raw text for a key and where it came from, or false when neither source has it.
    bool lookup(const std::string& key, std::string& value, std::string& origin) const;
    void document(const std::string& key, const std::string& default_text, const std::string& help);
    static std::int64_t integer(const std::string& key, std::string value, const std::string& origin,
                                std::int64_t min, std::int64_t max);
    static bool boolean(const std::string& key, std::string value, const std::string& origin);
    static void check_choice(const std::string& key, std::string& value, const std::string& origin,
                             std::initializer_list<const char*> choices);
    template <class E>
    [[noreturn]] static void refuse_choice(const std::string& key, const std::string& value, const std::string& origin,
                                           std::initializer_list<std::pair<const char*, E>> names) {
        std::string list;
        for (const auto& [name, e] : names) list += list.empty() ? name : std::string(", ") + name;
        refuse(key, value, origin, list);
    }
    [[noreturn]] static void refuse(const std::string& key, const std::string& value, const std::string& origin,
                                    const std::string& allowed);

    const FlatYaml& yaml_;
    const std::map<std::string, std::string>& env_;
    std::vector<KeyInfo> keys_;
    std::set<std::string> known_;
    std::map<std::string, std::string> moved_;
};

void bind_all(Config& config, ConfigBinder& binder);

// load_config() after the file is read: binds, rejects unknown keys, validates (reading admin.token_file).
Config load_config(const FlatYaml& yaml, const std::map<std::string, std::string>& env);

}  // namespace coupon::app
