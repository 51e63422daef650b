#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
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
    // The typed keys (kafka.producer.acks, kafka.consumer.auto_offset_reset) were bound into the same maps
    // as the raw properties, so one check covers both; the message names both.
    struct Map {
        const char* key;
        const Properties* properties;
        const char* typed_name;  // the property a typed key of this map sets
        const char* typed_key;
    };
    const Map maps[] = {
        {"kafka.properties", &c.kafka.common, "", ""},
        {"kafka.producer.properties", &c.kafka.producer, "acks", "kafka.producer.acks"},
        {"kafka.consumer.properties", &c.kafka.consumer, "auto.offset.reset", "kafka.consumer.auto_offset_reset"},
    };
    for (const auto& map : maps) {
        for (const auto& [name, value] : *map.properties) {
            const bool breaks =
                ((name == "acks" || name == "request.required.acks") && value != "all" && value != "-1") ||
                (name == "enable.auto.commit" && value != "false") ||
                (name == "enable.auto.offset.store" && value != "false") ||
                ((name == "auto.offset.reset" || name == "topic.auto.offset.reset") && value != "earliest" &&
                 value != "smallest" && value != "beginning");
            if (!breaks) continue;
            const std::string where =
                name == map.typed_name ? fmt::format("{} (or {})", map.typed_key, map.key) : map.key;
            throw ConfigError(fmt::format("{}: {}={} breaks the service's promise (acks=all: an answer only after "
                                          "every in-sync replica stored the request; offsets committed only after "
                                          "the outcome is stored; earliest reset: nothing accepted is skipped)",
                                          where, name, base::shown_property_value(name, value)));
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

void validate_auth(http::AuthConfig& a, const SecretFiles& files) {
    using Mode = http::AuthConfig::Mode;
    if (a.mode == Mode::Header) {
        if (a.header.empty()) throw ConfigError("auth.header: header mode needs the header's name, e.g. X-User-Id");
        const bool token = a.header.find_first_not_of("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                      "abcdefghijklmnopqrstuvwxyz") == std::string::npos;
        if (!token) throw ConfigError(fmt::format("auth.header: '{}' is not a header name", a.header));
    }
    auto& j = a.jwt;
    if (!files.jwt_secret.empty()) j.secret = read_secret_file("auth.jwt.secret_file", files.jwt_secret);
    if (!files.jwt_public_key.empty()) j.public_key = read_text_file("auth.jwt.public_key_file", files.jwt_public_key);
    if (a.mode != Mode::Jwt) return;
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
    if (c.http.address.empty()) throw ConfigError("http.address: must not be empty");
    auto& token = c.http.admin_token;
    if (!c.secret_files.admin_token.empty()) token = read_secret_file("admin.token_file", c.secret_files.admin_token);
    if (!token.empty() && token.size() < kMinAdminToken) {
        // The length only: the value is a secret even when it is a bad one.
        throw ConfigError(fmt::format("admin.token: {} characters is too short to be a secret; use at least {} "
                                      "(e.g. head -c 24 /dev/urandom | base64)",
                                      token.size(), kMinAdminToken));
    }
    validate_auth(c.http.auth, c.secret_files);
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
    const auto& t = c.kafka.topics;
    std::set<std::string> names;
    for (const auto* name : {&t.issue, &t.retry_1, &t.retry_2, &t.dlt, &t.results}) {
        if (name->empty()) throw ConfigError("kafka.topics: topic names must not be empty");
        if (!names.insert(*name).second) throw ConfigError(fmt::format("kafka.topics: '{}' is used twice", *name));
    }
    const auto& hook = c.kafka.dead_letter_webhook;
    if (!hook.empty() && !hook.starts_with("http://") && !hook.starts_with("https://")) {
        throw ConfigError(fmt::format("kafka.dead_letter.webhook: '{}' is not an http:// or https:// URL",
                                      base::redact_url(hook)));
    }
    if (c.kafka.group_id.empty()) throw ConfigError("kafka.consumer.group_id: must not be empty");
    refuse_promise_breakers(c);
}

// Values that follow from other keys, set once here so every module reads the same.
void derive(Config& c) {
    if (c.database.url.empty()) c.database.url = "sqlite:" + c.server.data_dir + "/coupons.db";
    // Records that outlive this process (a real or shared broker) need commits that outlive an OS crash.
    c.database.sqlite_full_sync = !c.kafka.bootstrap_servers.empty();
    c.kafka.embedded_broker = c.kafka.bootstrap_servers.empty() || c.kafka.embedded.shared;
    c.http.drain_timeout = c.server.shutdown_timeout;
    c.kafka.shutdown_drain = c.server.shutdown_timeout;
    // A request that waited for backlog room still has half its answer's wait for its outcome (a shorter
    // http.issue_wait_ms shortens this wait rather than refusing to start).
    c.kafka.embedded.backlog_wait = std::min(c.kafka.embedded.backlog_wait, c.http.issue_wait / 2);
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
    derive(config);
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
