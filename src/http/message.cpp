#include "coupon/http/message.hpp"

#include <arpa/inet.h>
#include <boost/json.hpp>

#include <algorithm>

#include "coupon/domain/log.hpp"

namespace coupon::http {

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
               return lower(x) == lower(y);
           });
}

std::optional<std::string_view> Headers::get(std::string_view name) const {
    for (const auto& [key, value] : fields_) {
        if (iequals(key, name)) return std::string_view(value);
    }
    return std::nullopt;
}

void Headers::set(std::string_view name, std::string value) {
    std::erase_if(fields_, [&](const Field& f) { return iequals(f.first, name); });
    fields_.emplace_back(std::string(name), std::move(value));
}

void Headers::add(std::string name, std::string value) { fields_.emplace_back(std::move(name), std::move(value)); }

std::string_view Request::param(std::string_view name) const {
    auto it = path_params.find(name);
    return it == path_params.end() ? std::string_view{} : std::string_view(it->second);
}

Response json_response(int status, std::string body) {
    Response response;
    response.status = status;
    response.headers.set("Content-Type", "application/json");
    response.body = std::move(body);
    return response;
}

namespace {

// Length of the well-formed UTF-8 sequence at the start of `s` (RFC 3629: no overlongs, no surrogates,
// nothing above U+10FFFF), or 0.
std::size_t utf8_sequence(std::string_view s) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
    const unsigned char b0 = byte(0);
    if (b0 < 0x80) return 1;
    std::size_t n = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (b0 >= 0xC2 && b0 <= 0xDF) n = 2;
    else if (b0 >= 0xE0 && b0 <= 0xEF) {
        n = 3;
        if (b0 == 0xE0) lo = 0xA0;
        if (b0 == 0xED) hi = 0x9F;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        n = 4;
        if (b0 == 0xF0) lo = 0x90;
        if (b0 == 0xF4) hi = 0x8F;
    } else {
        return 0;
    }
    if (s.size() < n) return 0;
    if (byte(1) < lo || byte(1) > hi) return 0;
    for (std::size_t i = 2; i < n; ++i) {
        if (byte(i) < 0x80 || byte(i) > 0xBF) return 0;
    }
    return n;
}

}  // namespace

std::string ClientAddress::text() const {
    static constexpr std::array<std::uint8_t, 12> kMapped{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    char out[INET6_ADDRSTRLEN] = {};
    const bool v4 = std::equal(kMapped.begin(), kMapped.end(), bytes.begin());
    const void* source = v4 ? static_cast<const void*>(bytes.data() + 12) : static_cast<const void*>(bytes.data());
    if (inet_ntop(v4 ? AF_INET : AF_INET6, source, out, sizeof out) == nullptr) return "?";
    return out;
}

std::string valid_utf8(std::string_view text) {
    std::string out;
    std::size_t i = 0;
    while (i < text.size()) {
        const auto n = utf8_sequence(text.substr(i));
        if (n == 0) break;
        i += n;
    }
    if (i == text.size()) return std::string(text);  // the usual case: nothing to replace
    out.reserve(text.size() + 8);
    out.append(text.substr(0, i));
    while (i < text.size()) {
        const auto n = utf8_sequence(text.substr(i));
        if (n == 0) {
            out += "\xEF\xBF\xBD";  // U+FFFD for each byte that starts no valid sequence
            ++i;
        } else {
            out.append(text.substr(i, n));
            i += n;
        }
    }
    return out;
}

Response error_response(int status, std::string_view code, std::string_view message,
                        const std::vector<std::pair<std::string, std::string>>& extra) {
    // Messages quote what the client sent (a path, an id): JSON strings must be UTF-8, and echoing a
    // client's raw bytes back is no one's business, so invalid bytes become U+FFFD.
    boost::json::object body;
    body["code"] = code;
    body["message"] = valid_utf8(message);
    for (const auto& [key, value] : extra) body[key] = valid_utf8(value);
    return json_response(status, boost::json::serialize(body));
}

Respond::Respond(Sink sink) : state_(std::make_shared<State>()) { state_->sink = std::move(sink); }

bool Respond::operator()(Response&& response) const {
    if (state_->used.exchange(true)) return false;
    try {
        state_->sink(std::move(response));
    } catch (const std::exception& e) {
        // The sink only posts to the connection; if even that fails the client is gone, and the caller
        // (often a broker or timer thread) must not be disturbed.
        log::error("http", "delivering a response failed: {}", e.what());
    }
    return true;
}

bool Respond::responded() const { return state_->used.load(); }

}  // namespace coupon::http
