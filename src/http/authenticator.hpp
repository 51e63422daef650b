#pragma once
// Who is calling: the credential a request carries, checked by the configured auth.mode (docs/auth.md).
// auth.mode=none has no Authenticator at all (a null pointer in ApiContext), so the open default costs the
// request path one pointer test.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "coupon/http/http_config.hpp"
#include "coupon/http/message.hpp"

namespace coupon::http {

struct Identity {
    std::string user;    // the caller's user id as sent (a JWT's user claim, the gateway's header); may be empty
    bool admin = false;  // a JWT carrying auth.jwt.admin_claim
};

class Authenticator {
public:
    virtual ~Authenticator() = default;
    // The caller, or the 401 answer (JSON, with WWW-Authenticate) when the request has no valid credential.
    virtual std::variant<Identity, Response> authenticate(const Request& request) const = 0;
    // True when a credential of this kind can name an admin (jwt mode with auth.jwt.admin_claim).
    virtual bool grants_admin() const { return false; }
    // The 403 answer for a caller acting for someone else.
    virtual Response forbidden(std::string_view why) const = 0;
};

// Null for auth.mode=none (logged as a warning). Throws std::invalid_argument naming the auth.* key for a
// configuration it cannot use (e.g. a public key that is neither RSA nor EC P-256).
std::unique_ptr<Authenticator> make_authenticator(const AuthConfig& config);

// For the routes acting for the user in the path: nullopt when `auth` is null (auth.mode=none) or the caller
// is that user (the path's canonical decimal text, compared as text); else 401 or 403. The caller checks
// the path id itself (400 INVALID_ID) between authenticate() and this, so the order is 401, 400, 403.
std::optional<Response> refuse_other_user(const Authenticator& auth, const Identity& caller, std::string_view user);

}  // namespace coupon::http
