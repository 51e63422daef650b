// The three auth modes (docs/auth.md) and the answers they give: 401 with WWW-Authenticate (RFC 6750
// error codes) for a missing or bad credential, 403 for a good one naming another user. Every refusal is
// counted by reason and logged at most once a second.
#include "authenticator.hpp"

#include <chrono>
#include <stdexcept>

#include "coupon/base/log.hpp"
#include "coupon/base/metrics.hpp"
#include "jwt_verifier.hpp"
#include "log_throttle.hpp"

namespace coupon::http {
namespace {

constexpr std::string_view kRealm = R"(Bearer realm="coupon-server")";

struct Refusals {
    base::Metrics::Value& missing;
    base::Metrics::Value& invalid;
    base::Metrics::Value& forbidden;
    LogThrottle log{std::chrono::seconds(1)};

    static Refusals& get() {
        static Refusals r{
            counter("missing"), counter("invalid"), counter("forbidden")};
        return r;
    }

    static base::Metrics::Value& counter(const char* reason) {
        return base::Metrics::global().counter(
            "coupon_http_auth_refused_total",
            "requests refused by auth.mode: missing (401), invalid (401) or forbidden (403, another user); an admin "
            "route tried with a bad JWT counts here as invalid too",
            std::string("reason=\"") + reason + "\"");
    }

    void note(base::Metrics::Value& counter, const Request& request, std::string_view why) {
        counter.fetch_add(1, std::memory_order_relaxed);
        std::uint64_t dropped = 0;
        if (!log.allow(dropped)) return;
        // The path is the client's bytes: error_response-style escaping is not needed in a log line, but
        // a cut keeps a hostile path from flooding it.
        log::warn("auth", "{} {} refused: {}{}", request.method, request.path.substr(0, 128), why,
                  dropped > 0 ? " (" + std::to_string(dropped) + " more refusals not logged)" : std::string());
    }
};

Response unauthorized(std::string_view message, std::string_view challenge) {
    auto response = error_response(401, "UNAUTHORIZED", message);
    response.headers.set("WWW-Authenticate", std::string(challenge));
    return response;
}

// "Authorization: Bearer <token>": the token, empty when the header is absent, nullopt when it is another
// scheme or has no token.
std::optional<std::string_view> bearer_token(const Request& request, bool& present) {
    const auto header = request.headers.get("Authorization");
    present = header.has_value();
    if (!header) return std::string_view{};
    constexpr std::string_view kScheme = "Bearer ";
    if (header->size() <= kScheme.size() || !iequals(header->substr(0, kScheme.size()), kScheme)) return std::nullopt;
    auto token = header->substr(kScheme.size());
    while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
    while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
    if (token.empty()) return std::nullopt;
    return token;
}

std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

class JwtAuthenticator final : public Authenticator {
public:
    explicit JwtAuthenticator(const AuthConfig::Jwt& config) : verifier_(config), admin_(!config.admin_claim.empty()) {}

    std::variant<Identity, Response> authenticate(const Request& request) const override {
        auto& refusals = Refusals::get();
        bool present = false;
        const auto token = bearer_token(request, present);
        if (!present) {
            refusals.note(refusals.missing, request, "no Authorization header");
            return unauthorized("a valid 'Authorization: Bearer <JWT>' is required", kRealm);
        }
        if (!token) {
            refusals.note(refusals.invalid, request, "Authorization is not 'Bearer <token>'");
            return unauthorized("the Authorization header must be 'Bearer <JWT>'",
                                std::string(kRealm) + R"(, error="invalid_request")");
        }
        auto check = verifier_.verify(*token, unix_now());
        if (!check.valid) {
            refusals.note(refusals.invalid, request, check.problem);
            // The problem texts are ours (fixed phrases), safe inside a quoted-string.
            return unauthorized("invalid bearer token: " + check.problem,
                                std::string(kRealm) + R"(, error="invalid_token", error_description=")" +
                                    check.problem + "\"");
        }
        return Identity{std::move(check.user), check.admin};
    }

    bool grants_admin() const override { return admin_; }

    Response forbidden(std::string_view why) const override {
        auto response = error_response(403, "FORBIDDEN", why);
        response.headers.set("WWW-Authenticate", std::string(kRealm) + R"(, error="insufficient_scope")");
        return response;
    }

    std::string_view algorithm() const { return verifier_.algorithm(); }

private:
    JwtVerifier verifier_;
    bool admin_;
};

// Behind a gateway that authenticated the caller and sets the header (and strips any the client sent).
class HeaderAuthenticator final : public Authenticator {
public:
    explicit HeaderAuthenticator(std::string header) : header_(std::move(header)) {}

    std::variant<Identity, Response> authenticate(const Request& request) const override {
        auto& refusals = Refusals::get();
        const auto value = request.headers.get(header_);
        // Two values would leave it to chance which user the gateway meant: none is trusted.
        std::size_t count = 0;
        for (const auto& field : request.headers) count += iequals(field.first, header_) ? 1 : 0;
        if (count > 1) {
            refusals.note(refusals.invalid, request, "more than one " + header_ + " header");
            auto response = error_response(401, "UNAUTHORIZED", "exactly one " + header_ + " header is required");
            response.headers.set("WWW-Authenticate", R"(Header realm="coupon-server")");
            return response;
        }
        if (!value || value->empty()) {
            refusals.note(refusals.missing, request, "no " + header_ + " header");
            auto response = error_response(401, "UNAUTHORIZED", "the " + header_ + " header is required");
            response.headers.set("WWW-Authenticate", R"(Header realm="coupon-server")");
            return response;
        }
        return Identity{std::string(value->substr(0, 128)), false};
    }

    Response forbidden(std::string_view why) const override { return error_response(403, "FORBIDDEN", why); }

private:
    std::string header_;
};

}  // namespace

std::unique_ptr<Authenticator> make_authenticator(const AuthConfig& config) {
    switch (config.mode) {
        case AuthConfig::Mode::None:
            log::warn("auth", "auth.mode is none: anyone may claim a coupon for any user id (set auth.mode to jwt or "
                              "header; docs/auth.md)");
            return nullptr;
        case AuthConfig::Mode::Jwt: {
            auto auth = std::make_unique<JwtAuthenticator>(config.jwt);
            log::info("auth", "auth.mode jwt: user routes need 'Authorization: Bearer <JWT>' ({}, claim '{}'{})",
                      auth->algorithm(), config.jwt.user_claim,
                      config.jwt.admin_claim.empty() ? std::string()
                                                     : ", admin claim '" + config.jwt.admin_claim + "'");
            return auth;
        }
        case AuthConfig::Mode::Header:
            if (config.header.empty()) throw std::invalid_argument("auth.header: header mode needs the header's name");
            log::info("auth", "auth.mode header: user routes trust the {} header set by the gateway", config.header);
            return std::make_unique<HeaderAuthenticator>(config.header);
    }
    throw std::invalid_argument("auth.mode: unknown mode");
}

std::optional<Response> refuse_other_user(const Authenticator& auth, const Identity& caller, std::string_view user) {
    if (caller.user == user) return std::nullopt;
    auto& refusals = Refusals::get();
    refusals.forbidden.fetch_add(1, std::memory_order_relaxed);
    std::uint64_t dropped = 0;
    if (refusals.log.allow(dropped)) {
        log::warn("auth", {.user_id = user.substr(0, 32)}, "user refused: the credential names another user{}",
                  dropped > 0 ? " (" + std::to_string(dropped) + " more refusals not logged)" : std::string());
    }
    return auth.forbidden("the credential does not name user " + std::string(user));
}

}  // namespace coupon::http
