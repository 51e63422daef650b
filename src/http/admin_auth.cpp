#include "coupon/http/admin_auth.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <array>
#include <variant>

#include "authenticator.hpp"
#include "coupon/base/log.hpp"
#include "coupon/base/metrics.hpp"
#include "log_throttle.hpp"

namespace coupon::http {
namespace {

using Digest = std::array<unsigned char, SHA256_DIGEST_LENGTH>;

Digest digest_of(std::string_view text) {
    Digest out{};
    SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), out.data());
    return out;
}

// Both sides are hashed first: the comparison then always runs over 32 bytes, whatever the lengths, and
// CRYPTO_memcmp takes the same time wherever the digests differ.
bool same_secret(std::string_view a, std::string_view b) {
    const auto x = digest_of(a);
    const auto y = digest_of(b);
    return CRYPTO_memcmp(x.data(), y.data(), x.size()) == 0;
}

std::optional<std::string_view> bearer(const Request& request) {
    const auto header = request.headers.get("Authorization");
    constexpr std::string_view kScheme = "Bearer ";
    if (!header || header->size() <= kScheme.size() || !iequals(header->substr(0, kScheme.size()), kScheme)) {
        return std::nullopt;
    }
    return header->substr(kScheme.size());
}

void note_failure(const Request& request, std::string_view why) {
    static auto& failures = base::Metrics::global().counter(
        "coupon_http_admin_auth_failures_total", "admin requests refused: no, wrong or non-admin credential");
    static LogThrottle throttle{std::chrono::seconds(1)};
    failures.fetch_add(1, std::memory_order_relaxed);
    std::uint64_t dropped = 0;
    if (!throttle.allow(dropped)) return;
    log::warn("auth", "admin {} {} refused: {}{}", request.method, request.path.substr(0, 128), why,
              dropped > 0 ? " (" + std::to_string(dropped) + " more failures not logged)" : std::string());
}

}  // namespace

std::optional<Response> check_admin(std::string_view configured_token, const Request& request,
                                    const Authenticator* auth) {
    const bool by_jwt = auth != nullptr && auth->grants_admin();
    if (configured_token.empty() && !by_jwt) {
        return error_response(403, "ADMIN_DISABLED", "admin endpoints are disabled: no admin token is configured");
    }
    const auto token = bearer(request);
    if (token && !configured_token.empty() && same_secret(*token, configured_token)) return std::nullopt;
    if (token && by_jwt) {
        auto caller = auth->authenticate(request);
        if (auto* refused = std::get_if<Response>(&caller)) {
            note_failure(request, "invalid bearer token");
            return std::move(*refused);
        }
        if (std::get<Identity>(caller).admin) return std::nullopt;
        note_failure(request, "the token carries no admin claim");
        return error_response(403, "FORBIDDEN", "the token does not grant the admin role");
    }
    note_failure(request, token ? "wrong token" : "no bearer token");
    auto response = error_response(401, "UNAUTHORIZED", "a valid 'Authorization: Bearer <token>' is required");
    response.headers.set("WWW-Authenticate", R"(Bearer realm="coupon-server")");
    return response;
}

std::string admin_principal(std::string_view configured_token, const Request& request, const Authenticator* auth) {
    const auto token = bearer(request);
    if (token && !configured_token.empty() && same_secret(*token, configured_token)) return "admin-token";
    if (token && auth != nullptr) {
        auto caller = auth->authenticate(request);
        if (auto* who = std::get_if<Identity>(&caller)) return "jwt:" + who->user.substr(0, 128);
    }
    return "unknown";
}

}  // namespace coupon::http
