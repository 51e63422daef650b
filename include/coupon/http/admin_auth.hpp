#pragma once
// The admin check shared by every admin endpoint, public so routes the app adds (e.g. dead-letter
// inspection and replay) guard themselves the same way.
#include <optional>
#include <string_view>

#include "coupon/http/message.hpp"

namespace coupon::http {

// nullopt when the request carries "Authorization: Bearer <token>" with the configured token;
// otherwise the answer: 403 ADMIN_DISABLED when no token is configured, else 401 UNAUTHORIZED.
std::optional<Response> check_admin(std::string_view configured_token, const Request& request);

}  // namespace coupon::http
