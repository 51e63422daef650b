#include "config_binder.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace coupon::app {
namespace {

// The deepest key is four levels down (kafka.producer.properties.<name>); deeper nesting is a mistake, or an
// alias inside its own anchor ("a: &x {b: *x}"), a cycle that would recurse until the stack overflows.
constexpr int kMaxDepth = 8;

void flatten(const YAML::Node& node, const std::string& path, FlatYaml& out, int depth = 0) {
    if (depth > kMaxDepth) {
        throw ConfigError(fmt::format("{}: nested too deeply (an alias inside its own anchor?)", path));
    }
    if (node.IsMap()) {
        const bool raw = path == "properties" || path.ends_with(".properties");
        for (const auto& item : node) {
            // yaml-cpp would throw its own BadConversion for "? [a, b]" or a null key, which is no ConfigError
            // and would end the process without the message that names the place (a fuzz finding).
            if (!item.first.IsScalar()) {
                throw ConfigError(fmt::format("{}: a key must be a plain name, not a list, a mapping or null",
                                              path.empty() ? "the top level" : path));
            }
            const std::string name = item.first.as<std::string>();
            if (raw) {
                if (!item.second.IsScalar()) {
                    throw ConfigError(fmt::format("{}.{}: a librdkafka property must be a plain value", path, name));
                }
                out.property_maps[path][name] = item.second.as<std::string>();
            } else {
                flatten(item.second, path.empty() ? name : path + "." + name, out, depth + 1);
            }
        }
        if (raw && node.size() == 0) out.property_maps[path];
    } else if (node.IsScalar()) {
        out.scalars[path] = node.as<std::string>();
    } else if (node.IsNull()) {
        out.scalars[path] = "";
    } else {
        throw ConfigError(fmt::format("{}: lists are not a configuration value here", path));
    }
}

std::string trim(std::string s) {
    auto not_space = [](unsigned char c) { return !std::isspace(c); };
    s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
    s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
    return s;
}

}  // namespace

namespace {

FlatYaml flat_yaml_of(const YAML::Node& root, const std::string& origin) {
    FlatYaml flat;
    if (root.IsNull()) return flat;
    if (!root.IsMap()) throw ConfigError(fmt::format("{}: the top level must be a mapping of sections", origin));
    try {
        flatten(root, "", flat);
    } catch (const YAML::Exception& e) {
        // Whatever else yaml-cpp refuses while reading values: still a configuration error naming the file.
        throw ConfigError(fmt::format("{}: {}", origin, e.what()));
    }
    return flat;
}

}  // namespace

FlatYaml read_yaml_file(const std::string& path) {
    if (path.empty()) return {};
    YAML::Node root;
    try {
        root = YAML::LoadFile(path);
    } catch (const YAML::BadFile&) {
        throw ConfigError(fmt::format("--config {}: cannot read the file", path));
    } catch (const YAML::ParserException& e) {
        throw ConfigError(fmt::format("{}: line {}: {}", path, e.mark.line + 1, e.msg));
    }
    return flat_yaml_of(root, path);
}

FlatYaml read_yaml_text(const std::string& text, const std::string& origin) {
    YAML::Node root;
    try {
        root = YAML::Load(text);
    } catch (const YAML::ParserException& e) {
        throw ConfigError(fmt::format("{}: line {}: {}", origin, e.mark.line + 1, e.msg));
    }
    return flat_yaml_of(root, origin);
}

std::string env_name_of(const std::string& key) {
    std::string env = "COUPON_";
    for (char c : key) env += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return env;
}

bool ConfigBinder::lookup(const std::string& key, std::string& value, std::string& origin) const {
    const std::string env = env_name_of(key);
    if (auto it = env_.find(env); it != env_.end()) {
        value = it->second;
        origin = "environment variable " + env;
        return true;
    }
    if (auto it = yaml_.scalars.find(key); it != yaml_.scalars.end()) {
        value = it->second;
        origin = "configuration file";
        return true;
    }
    return false;
}

bool ConfigBinder::take(const std::string& key, const std::string& default_text, const std::string& help,
                        std::string& value, std::string& origin) {
    document(key, default_text, help);
    return lookup(key, value, origin);
}

void ConfigBinder::document(const std::string& key, const std::string& default_text, const std::string& help) {
    known_.insert(key);
    keys_.push_back({key, env_name_of(key), default_text, help});
}

void ConfigBinder::refuse(const std::string& key, const std::string& value, const std::string& origin,
                          const std::string& allowed) {
    throw ConfigError(fmt::format("{}: '{}' is not one of {} (from {})", key, value, allowed, origin));
}

std::int64_t ConfigBinder::integer(const std::string& key, std::string value, const std::string& origin,
                                   std::int64_t min, std::int64_t max) {
    value = trim(value);
    std::int64_t parsed = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), parsed);
    if (ec != std::errc{} || end != value.data() + value.size()) {
        throw ConfigError(fmt::format("{}: expected an integer, got '{}' (from {})", key, value, origin));
    }
    if (parsed < min || parsed > max) {
        throw ConfigError(fmt::format("{}: {} is out of range [{}, {}] (from {})", key, parsed, min, max, origin));
    }
    return parsed;
}

bool ConfigBinder::boolean(const std::string& key, std::string value, const std::string& origin) {
    value = trim(value);
    if (value == "true" || value == "1" || value == "yes" || value == "on") return true;
    if (value == "false" || value == "0" || value == "no" || value == "off") return false;
    throw ConfigError(fmt::format("{}: expected true or false, got '{}' (from {})", key, value, origin));
}

void ConfigBinder::check_choice(const std::string& key, std::string& value, const std::string& origin,
                                std::initializer_list<const char*> choices) {
    if (choices.size() == 0) return;
    if (value.empty()) value = *choices.begin();
    std::string list;
    for (const char* c : choices) {
        if (value == c) return;
        list += list.empty() ? c : std::string(", ") + c;
    }
    refuse(key, value, origin, list);
}

void ConfigBinder::bind(const std::string& key, std::string& field, const std::string& help) {
    std::string value, origin;
    if (take(key, field, help, value, origin)) field = value;
}

void ConfigBinder::bind(const std::string& key, std::string& field, std::initializer_list<const char*> choices,
                        const std::string& help) {
    std::string value, origin;
    if (!take(key, field, help, value, origin)) return;
    check_choice(key, value, origin, choices);
    field = value;
}

void ConfigBinder::bind(const std::string& key, std::chrono::milliseconds& field, std::int64_t min, std::int64_t max,
                        const std::string& help) {
    std::string value, origin;
    if (take(key, std::to_string(field.count()), help, value, origin)) {
        field = std::chrono::milliseconds(integer(key, value, origin, min, max));
    }
}

void ConfigBinder::bind(const std::string& key, double& field, double min, double max, const std::string& help) {
    std::string value, origin;
    if (!take(key, fmt::format("{}", field), help, value, origin)) return;
    value = trim(value);
    double parsed = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), parsed);
    if (ec != std::errc{} || end != value.data() + value.size()) {
        throw ConfigError(fmt::format("{}: expected a number, got '{}' (from {})", key, value, origin));
    }
    if (parsed < min || parsed > max) {
        throw ConfigError(fmt::format("{}: {} is out of range [{}, {}] (from {})", key, parsed, min, max, origin));
    }
    field = parsed;
}

void ConfigBinder::bind(const std::string& key, bool& field, const std::string& help) {
    std::string value, origin;
    if (take(key, field ? "true" : "false", help, value, origin)) field = boolean(key, value, origin);
}

void ConfigBinder::bind_entry(const std::string& key, Properties& map, const std::string& name, std::int64_t min,
                              std::int64_t max, const std::string& help, std::int64_t scale) {
    std::int64_t current = 0;
    const std::string& text = map[name];
    std::from_chars(text.data(), text.data() + text.size(), current);
    std::string value, origin;
    if (take(key, std::to_string(current * scale), help, value, origin)) {
        map[name] = std::to_string(integer(key, value, origin, min, max) / scale);
    }
}

void ConfigBinder::bind_entry(const std::string& key, Properties& map, const std::string& name,
                              const std::string& help, std::initializer_list<const char*> choices) {
    std::string value, origin;
    if (!take(key, map[name], help, value, origin)) return;
    check_choice(key, value, origin, choices);
    map[name] = value;
}

void ConfigBinder::bind_bool_entry(const std::string& key, Properties& map, const std::string& name,
                                   const std::string& help) {
    std::string value, origin;
    if (take(key, map[name], help, value, origin)) map[name] = boolean(key, value, origin) ? "true" : "false";
}

void ConfigBinder::bind(const std::string& key, Properties& field, const std::string& help) {
    document(key, "{}", help);
    if (auto it = yaml_.property_maps.find(key); it != yaml_.property_maps.end()) {
        for (const auto& [k, v] : it->second) field[k] = v;
    } else if (yaml_.scalars.contains(key) && !trim(yaml_.scalars.at(key)).empty()) {
        throw ConfigError(fmt::format("{}: expected a mapping of librdkafka properties", key));
    }
    const std::string env = env_name_of(key);
    auto it = env_.find(env);
    if (it == env_.end()) return;
    std::string_view rest = it->second;
    while (!rest.empty()) {
        const auto comma = rest.find(',');
        const std::string item = trim(std::string(rest.substr(0, comma)));
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        if (item.empty()) continue;
        const auto eq = item.find('=');
        if (eq == std::string::npos || eq == 0) {
            // The item is not repeated: a mistyped "sasl.password secret" would put the secret in the log.
            throw ConfigError(fmt::format("{}: expected name=value[,name=value...], got an item without '=' (from {})",
                                          key, env));
        }
        field[trim(item.substr(0, eq))] = trim(item.substr(eq + 1));
    }
}

void ConfigBinder::moved(const std::string& old_key, const std::string& now) {
    moved_[old_key] = now;
    if (env_.contains(env_name_of(old_key))) {
        throw ConfigError(fmt::format("{} (environment variable {}): this key moved to {}", old_key,
                                      env_name_of(old_key), now));
    }
}

void ConfigBinder::reject_unknown_keys() const {
    auto check = [this](const std::string& key) {
        if (known_.contains(key)) return;
        if (auto it = moved_.find(key); it != moved_.end()) {
            throw ConfigError(fmt::format("{}: this key moved to {}", key, it->second));
        }
        throw ConfigError(fmt::format("{}: unknown configuration key", key));
    };
    for (const auto& [key, value] : yaml_.scalars) check(key);
    for (const auto& [key, value] : yaml_.property_maps) check(key);
}

}  // namespace coupon::app
