#include "coupon/base/redact.hpp"

#include <array>

namespace coupon::base {

std::string redact_url(std::string_view url) {
    std::string out(url);
    if (const auto scheme = out.find("://"); scheme != std::string::npos) {
        const auto start = scheme + 3;
        // Users do write unescaped '/' and '@' in passwords; the host never holds '@', so the last one
        // before the query ends the userinfo.
        const auto query = out.find('?', start);
        const auto at = out.rfind('@', query == std::string::npos ? std::string::npos : query);
        if (at != std::string::npos && at >= start) {
            const auto colon = out.find(':', start);
            if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
        }
    }
    // ...?password=secret&sslpassword=...: every query value of a name ending in "password".
    for (auto pos = out.find("password="); pos != std::string::npos; pos = out.find("password=", pos + 1)) {
        const auto value = pos + 9;
        const auto end = out.find('&', value);
        out.replace(value, (end == std::string::npos ? out.size() : end) - value, "***");
    }
    return out;
}

bool is_secret_property(std::string_view name) {
    // Passwords, client secrets, JAAS lines (they embed passwords), and private keys (ssl.key.pem,
    // ssl_key, ssl.keystore.*). Over-hiding a value costs a look at the configuration file; under-hiding
    // leaks a credential to everyone who reads the log.
    static constexpr std::array<std::string_view, 3> kAnywhere = {"password", "secret", "jaas"};
    for (auto mark : kAnywhere) {
        if (name.find(mark) != std::string_view::npos) return true;
    }
    return name.starts_with("ssl.key") || name.starts_with("ssl_key");
}

std::string shown_property_value(std::string_view name, std::string_view value) {
    return is_secret_property(name) ? std::string("***") : std::string(value);
}

}  // namespace coupon::base
