#include "sql_text.hpp"

#include <fmt/format.h>

#include "coupon/base/time_format.hpp"

namespace coupon::store {

std::string db_time(domain::TimePoint t) { return base::format_time(t); }

domain::TimePoint parse_db_time(const std::string& text) {
    auto t = base::parse_time(text);
    if (!t) throw domain::StoreError(fmt::format("stored time '{}' is not ISO 8601", text));
    return *t;
}

std::optional<domain::TimePoint> parse_db_time(const std::string& text, bool present) {
    if (!present) return std::nullopt;
    return parse_db_time(text);
}

std::string json_array(const std::vector<std::string>& texts) {
    std::string out = "[";
    for (const std::string& s : texts) {
        if (out.size() > 1) out += ',';
        out += '"';
        for (const char c : s) {
            const auto u = static_cast<unsigned char>(c);
            if (c == '"' || c == '\\') {
                out += '\\';
                out += c;
            } else if (u < 0x20) {
                out += fmt::format("\\u{:04x}", static_cast<unsigned>(u));
            } else {
                out += c;  // UTF-8 bytes pass through, as JSON allows
            }
        }
        out += '"';
    }
    out += ']';
    return out;
}

std::string json_array(const std::vector<domain::PolicyId>& ids) { return fmt::format("[{}]", fmt::join(ids, ",")); }

std::string json_array(const std::vector<domain::UserPolicy>& pairs) {
    std::string out = "[";
    for (const auto& p : pairs) {
        if (out.size() > 1) out += ',';
        fmt::format_to(std::back_inserter(out), "[{},{}]", p.user_id, p.policy_id);
    }
    out += ']';
    return out;
}

}  // namespace coupon::store
