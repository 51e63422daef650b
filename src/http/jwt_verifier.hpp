#pragma once
// Verifies a JWT the way auth.mode=jwt needs (docs/auth.md): signature with the one configured key and its
// one algorithm (HS256, RS256 or ES256; "none" and any other alg refused, so an RSA public key can never be
// used as an HMAC secret), then exp (required) and nbf with a leeway, iss and aud when configured, and the
// user and admin claims. libjwt and OpenSSL stay in jwt_verifier.cpp.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "coupon/http/http_config.hpp"

namespace coupon::http {

struct JwtCheck {
    bool valid = false;
    std::string problem;  // when not valid: why, for error_description and the log (never the token)
    std::string user;     // the user claim as text ("" when absent); an integer claim in decimal
    bool admin = false;
};

class JwtVerifier {
public:
    // Throws std::invalid_argument naming the auth.jwt key when the key cannot be used.
    explicit JwtVerifier(const AuthConfig::Jwt& config);
    ~JwtVerifier();
    JwtVerifier(const JwtVerifier&) = delete;
    JwtVerifier& operator=(const JwtVerifier&) = delete;

    // now: seconds since the Unix epoch. Thread-safe.
    JwtCheck verify(std::string_view token, std::int64_t now) const;
    std::string_view algorithm() const;

    static constexpr std::size_t kMaxTokenBytes = 8 * 1024;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace coupon::http
