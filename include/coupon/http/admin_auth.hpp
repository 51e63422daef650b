#pragma once
// The admin check shared by every admin endpoint, public so routes the app adds (e.g. dead-letter
// inspection and replay) guard themselves the same way.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "coupon/http/message.hpp"

namespace coupon::http {

class Authenticator;  // src/http/authenticator.hpp: the auth.mode in force (null for none)

// Admin tokens shorter than this are refused at start-up (the app's configuration check).
inline constexpr std::size_t kMinAdminTokenLength = 16;

// nullopt when the request carries "Authorization: Bearer <token>" with the configured token, or (when
// `auth` grants admin: jwt mode with auth.jwt.admin_claim) a JWT carrying the admin claim; otherwise the
// answer: 403 ADMIN_DISABLED when neither is configured, 403 FORBIDDEN for a valid JWT without the claim,
// else 401 UNAUTHORIZED. The token is compared through SHA-256 digests in constant time, so neither its
// content nor its length shows in the answer's timing; failures are counted and logged (rate limited).
std::optional<Response> check_admin(std::string_view configured_token, const Request& request,
                                    const Authenticator* auth = nullptr);

// Who a request that check_admin() let through acts as, for audit rows: "admin-token" (the configured
// token names nobody) or "jwt:<user claim>".
std::string admin_principal(std::string_view configured_token, const Request& request,
                            const Authenticator* auth = nullptr);

}  // namespace coupon::http
