#include <fmt/format.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>

#include "config_binder.hpp"
#include "coupon/http/admin_auth.hpp"
#include "coupon/base/redact.hpp"

extern char** environ;

namespace coupon::app {
namespace {

std::string printable(const std::string& message) {
    std::string out;
    out.reserve(message.size());
    for (const char c : message) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7f) {
            out += fmt::format("\\x{:02x}", byte);
        } else {
            out += c;
        }
    }
    return out;
}

}  // namespace

ConfigError::ConfigError(const std::string& message) : std::runtime_error(printable(message)) {}

namespace {

void require_one_of(const std::string& key, const std::string& value, std::initializer_list<const char*> allowed) {
    for (const char* a : allowed) {
        if (value == a) return;
    }
    std::string list;
    for (const char* a : allowed) list += list.empty() ? a : std::string(", ") + a;
    throw ConfigError(fmt::format("{}: '{}' is not one of {}", key, value, list));
}

std::string read_secret_file(const std::string& key, const std::string& path) {
    std::ifstream in(path);
    if (!in) throw ConfigError(fmt::format("{}: cannot read {}", key, path));
    std::stringstream text;
    text << in.rdbuf();
    std::string secret = text.str();
    while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r' || secret.back() == ' ')) secret.pop_back();
    if (secret.empty()) throw ConfigError(fmt::format("{}: {} is empty", key, path));
    return secret;
}

// Settings that would break the promise (every accepted request stored and decided once) are refused at
// start, wherever they come from: a typed key or a raw librdkafka property map.
void refuse_promise_breakers(const Config& c) {
    if (c.kafka.producer.acks != "all" && c.kafka.producer.acks != "-1") {
        throw ConfigError(fmt::format("kafka.producer.acks: '{}' would answer requests a broker may still lose; "
                                      "the service requires all",
                                      c.kafka.producer.acks));
    }
    if (c.kafka.consumer.auto_offset_reset != "earliest") {
        throw ConfigError(fmt::format("kafka.consumer.auto_offset_reset: '{}' would skip accepted requests when the "
                                      "group has no committed offset; the service requires earliest",
                                      c.kafka.consumer.auto_offset_reset));
    }
    const std::pair<const char*, const Properties*> maps[] = {
        {"kafka.properties", &c.kafka.properties},
        {"kafka.producer.properties", &c.kafka.producer.properties},
        {"kafka.consumer.properties", &c.kafka.consumer.properties},
    };
    for (const auto& [key, map] : maps) {
        for (const auto& [name, value] : *map) {
            const bool breaks =
                ((name == "acks" || name == "request.required.acks") && value != "all" && value != "-1") ||
                (name == "enable.auto.commit" && value != "false") ||
                (name == "enable.auto.offset.store" && value != "false") ||
                ((name == "auto.offset.reset" || name == "topic.auto.offset.reset") && value != "earliest" &&
                 value != "smallest" && value != "beginning");
            if (breaks) {
                throw ConfigError(fmt::format("{}: {}={} breaks the service's promise (acks=all, offsets committed "
                                              "only after the outcome is stored, earliest reset)",
                                              key, name, base::shown_property_value(name, value)));
            }
        }
    }
}

constexpr std::size_t kMinAdminToken = http::kMinAdminTokenLength;
constexpr std::size_t kMinJwtSecret = 32;  // RFC 7518 3.2: an HS256 key at least as long as its hash

std::string read_text_file(const std::string& key, const std::string& path) {
    std::ifstream in(path);
    if (!in) throw ConfigError(fmt::format("{}: cannot read {}", key, path));
    std::stringstream text;
    text << in.rdbuf();
    if (text.str().empty()) throw ConfigError(fmt::format("{}: {} is empty", key, path));
    return text.str();
}

void validate_auth(AuthSettings& a) {
    if (a.mode.empty()) a.mode = "none";  // COUPON_AUTH_MODE= clears it, like the other keys
    require_one_of("auth.mode", a.mode, {"none", "jwt", "header"});
    if (a.mode == "header") {
        if (a.header.empty()) throw ConfigError("auth.header: header mode needs the header's name, e.g. X-User-Id");
        const bool token = a.header.find_first_not_of("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                      "abcdefghijklmnopqrstuvwxyz") == std::string::npos;
        if (!token) throw ConfigError(fmt::format("auth.header: '{}' is not a header name", a.header));
    }
    auto& j = a.jwt;
    if (!j.secret_file.empty()) j.secret = read_secret_file("auth.jwt.secret_file", j.secret_file);
    if (!j.public_key_file.empty()) j.public_key = read_text_file("auth.jwt.public_key_file", j.public_key_file);
    if (a.mode != "jwt") return;
    if (j.secret.empty() == j.public_key.empty()) {
        throw ConfigError("auth.jwt: jwt mode needs exactly one key: auth.jwt.secret (or secret_file) for HS256, or "
                          "auth.jwt.public_key_file for RS256/ES256");
    }
    if (!j.secret.empty() && j.secret.size() < kMinJwtSecret) {
        throw ConfigError(fmt::format("auth.jwt.secret: {} bytes is too short for HS256; use at least {}",
                                      j.secret.size(), kMinJwtSecret));
    }
    if (j.user_claim.empty()) throw ConfigError("auth.jwt.user_claim: must not be empty");
}

void validate(Config& c) {
    if (c.server.data_dir.empty()) throw ConfigError("server.data_dir: must not be empty");
    require_one_of("server.log_level", c.server.log_level, {"debug", "info", "warn", "error"});
    if (c.http.address.empty()) throw ConfigError("http.address: must not be empty");
    if (!c.admin.token_file.empty()) c.admin.token = read_secret_file("admin.token_file", c.admin.token_file);
    if (!c.admin.token.empty() && c.admin.token.size() < kMinAdminToken) {
        // The length only: the value is a secret even when it is a bad one.
        throw ConfigError(fmt::format("admin.token: {} characters is too short to be a secret; use at least {} "
                                      "(e.g. head -c 24 /dev/urandom | base64)",
                                      c.admin.token.size(), kMinAdminToken));
    }
    validate_auth(c.auth);
    for (const auto& [name, bucket] : {std::pair{"per_user", c.http.limits.per_user},
                                       std::pair{"per_address", c.http.limits.per_address}}) {
        if (bucket.rate > 0 && bucket.burst < 1) {
            throw ConfigError(fmt::format("http.limits.{}.burst: must be at least 1 when http.limits.{}.rate is set",
                                          name, name));
        }
    }
    const auto& url = c.database.url;
    if (!url.empty() && !url.starts_with("sqlite:") && !url.starts_with("postgresql://") &&
        !url.starts_with("postgres://")) {
        throw ConfigError(fmt::format("database.url: '{}' is neither sqlite:<path> nor postgresql://...",
                                      base::redact_url(url)));
    }
    if (url.empty()) c.database.url = "sqlite:" + c.server.data_dir + "/coupons.db";
    require_one_of("kafka.producer.acks", c.kafka.producer.acks, {"all", "-1", "1", "0"});
    require_one_of("kafka.producer.compression_type", c.kafka.producer.compression_type,
                   {"none", "gzip", "snappy", "lz4", "zstd"});
    require_one_of("kafka.consumer.auto_offset_reset", c.kafka.consumer.auto_offset_reset, {"earliest", "latest"});
    require_one_of("kafka.consumer.isolation_level", c.kafka.consumer.isolation_level,
                   {"read_committed", "read_uncommitted"});
    const auto& t = c.kafka.topics;
    std::set<std::string> names;
    for (const auto* name : {&t.issue, &t.retry_1, &t.retry_2, &t.dlt, &t.results}) {
        if (name->empty()) throw ConfigError("kafka.topics: topic names must not be empty");
        if (!names.insert(*name).second) throw ConfigError(fmt::format("kafka.topics: '{}' is used twice", *name));
    }
    const auto& hook = c.kafka.dead_letter.webhook;
    if (!hook.empty() && !hook.starts_with("http://") && !hook.starts_with("https://")) {
        throw ConfigError(fmt::format("kafka.dead_letter.webhook: '{}' is not an http:// or https:// URL",
                                      base::redact_url(hook)));
    }
    if (c.kafka.consumer.group_id.empty()) throw ConfigError("kafka.consumer.group_id: must not be empty");
    refuse_promise_breakers(c);
}

}  // namespace

Config load_config(const std::string& yaml_path, const std::map<std::string, std::string>& env) {
    return load_config(read_yaml_file(yaml_path), env);
}

Config load_config(const FlatYaml& yaml, const std::map<std::string, std::string>& env) {
    Config config;
    ConfigBinder binder(yaml, env);
    bind_all(config, binder);
    binder.reject_unknown_keys();
    validate(config);
    return config;
}

std::map<std::string, std::string> process_environment() {
    std::map<std::string, std::string> env;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
        std::string_view entry(*e);
        const auto eq = entry.find('=');
        if (eq == std::string_view::npos || !entry.starts_with("COUPON_")) continue;
        env.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
    }
    return env;
}

std::vector<KeyInfo> config_keys() {
    Config defaults;
    FlatYaml none;
    std::map<std::string, std::string> no_env;
    ConfigBinder binder(none, no_env);
    bind_all(defaults, binder);
    return binder.keys();
}

}  // namespace coupon::app
