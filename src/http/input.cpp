#include "input.hpp"

#include <boost/json/parse.hpp>

#include <charconv>

namespace coupon::http {

std::optional<std::int64_t> parse_id(std::string_view text) {
    if (text.empty() || text.size() > 19) return std::nullopt;  // INT64_MAX has 19 digits
    // One spelling per id (docs/errors.md): "007" would be user 7 under another name, which the auth check
    // compares as text and caches and logs would tell apart.
    if (text.front() == '0') return std::nullopt;
    for (char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
    }
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || value <= 0) return std::nullopt;
    return value;
}

std::optional<std::int64_t> id_from_json(const boost::json::value& value) {
    if (value.is_int64()) {
        const auto id = value.get_int64();
        return id > 0 ? std::optional(id) : std::nullopt;
    }
    if (value.is_string()) return parse_id(value.get_string());
    return std::nullopt;  // uint64 beyond int64, doubles, booleans, null, arrays, objects
}

std::optional<boost::json::object> parse_object(const std::string& body, Response& error) {
    boost::system::error_code ec;
    auto value = boost::json::parse(body, ec);
    if (ec) {
        error = error_response(400, "INVALID_JSON", "the body is not valid JSON: " + ec.message());
        return std::nullopt;
    }
    if (!value.is_object()) {
        error = error_response(400, "INVALID_JSON", "the body must be a JSON object");
        return std::nullopt;
    }
    return std::move(value.as_object());
}

bool prefers_async(const Headers& headers) {
    for (const auto& [name, value] : headers) {
        if (!iequals(name, "Prefer")) continue;
        std::string_view rest = value;
        while (!rest.empty()) {
            const auto cut = rest.find_first_of(",;");
            auto token = rest.substr(0, cut);
            while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) token.remove_prefix(1);
            while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
            if (iequals(token, "respond-async")) return true;
            if (cut == std::string_view::npos) break;
            rest.remove_prefix(cut + 1);
        }
    }
    return false;
}

}  // namespace coupon::http
