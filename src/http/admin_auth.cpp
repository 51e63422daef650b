#include "coupon/http/admin_auth.hpp"

#include <cstddef>

namespace coupon::http {
namespace {

// Compares in time independent of where the strings differ, so response timing does not leak the token.
bool same_secret(std::string_view a, std::string_view b) {
    unsigned char diff = a.size() == b.size() ? 0 : 1;
    const std::size_t n = a.size() < b.size() ? a.size() : b.size();
    for (std::size_t i = 0; i < n; ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

}  // namespace

std::optional<Response> check_admin(std::string_view configured_token, const Request& request) {
    if (configured_token.empty()) {
        return error_response(403, "ADMIN_DISABLED", "admin endpoints are disabled: no admin token is configured");
    }
    const auto header = request.headers.get("Authorization");
    constexpr std::string_view kScheme = "Bearer ";
    if (header && header->size() > kScheme.size() && iequals(header->substr(0, kScheme.size()), kScheme) &&
        same_secret(header->substr(kScheme.size()), configured_token)) {
        return std::nullopt;
    }
    auto response = error_response(401, "UNAUTHORIZED", "a valid 'Authorization: Bearer <token>' is required");
    response.headers.set("WWW-Authenticate", "Bearer");
    return response;
}

}  // namespace coupon::http
