#include "jwt_verifier.hpp"

#include <boost/json.hpp>
#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cerrno>
#include <cstdlib>
#include <stdexcept>

namespace coupon::http {
namespace {

struct JwtFree {
    void operator()(jwt_t* jwt) const { jwt_free(jwt); }
};

// The algorithm a public key verifies: RS256 for RSA, ES256 for EC P-256; throws for anything else.
jwt_alg_t algorithm_of_public_key(const std::string& pem) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    if (bio == nullptr) throw std::runtime_error("auth.jwt.public_key_file: out of memory");
    EVP_PKEY* key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    if (key == nullptr) {
        throw std::invalid_argument("auth.jwt.public_key_file: not a PEM public key (-----BEGIN PUBLIC KEY-----)");
    }
    jwt_alg_t alg = JWT_ALG_INVAL;
    if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA) {
        if (EVP_PKEY_get_bits(key) >= 2048) alg = JWT_ALG_RS256;
    } else if (EVP_PKEY_get_base_id(key) == EVP_PKEY_EC) {
        char group[64] = {};
        std::size_t len = 0;
        if (EVP_PKEY_get_group_name(key, group, sizeof group, &len) == 1 && std::string_view(group) == "prime256v1") {
            alg = JWT_ALG_ES256;
        }
    }
    EVP_PKEY_free(key);
    if (alg == JWT_ALG_INVAL) {
        throw std::invalid_argument(
            "auth.jwt.public_key_file: the key must be RSA of at least 2048 bits (RS256) or EC P-256 (ES256)");
    }
    return alg;
}

// exp/nbf are NumericDate: a JSON number, integral or not.
bool numeric_date(const boost::json::value& v, double& out) {
    if (v.is_int64()) out = static_cast<double>(v.get_int64());
    else if (v.is_uint64()) out = static_cast<double>(v.get_uint64());
    else if (v.is_double()) out = v.get_double();
    else return false;
    return true;
}

bool names_admin(const boost::json::value& v) {
    if (v.is_bool()) return v.get_bool();
    if (v.is_string()) return v.get_string() == "admin";
    if (v.is_array()) {
        for (const auto& item : v.get_array()) {
            if (item.is_string() && item.get_string() == "admin") return true;
        }
    }
    return false;
}

bool has_audience(const boost::json::value& v, std::string_view audience) {
    if (v.is_string()) return v.get_string() == audience;
    if (v.is_array()) {
        for (const auto& item : v.get_array()) {
            if (item.is_string() && item.get_string() == audience) return true;
        }
    }
    return false;
}

JwtCheck invalid(std::string problem) {
    JwtCheck check;
    check.problem = std::move(problem);
    return check;
}

}  // namespace

struct JwtVerifier::Impl {
    AuthConfig::Jwt config;
    jwt_alg_t alg = JWT_ALG_INVAL;
    std::string key;  // the HS256 secret or the PEM text, as libjwt takes it
};

JwtVerifier::JwtVerifier(const AuthConfig::Jwt& config) : impl_(std::make_unique<Impl>()) {
    impl_->config = config;
    if (!config.secret.empty() && !config.public_key.empty()) {
        throw std::invalid_argument("auth.jwt: configure either a secret (HS256) or a public key, not both");
    }
    if (!config.secret.empty()) {
        impl_->alg = JWT_ALG_HS256;
        impl_->key = config.secret;
    } else if (!config.public_key.empty()) {
        impl_->alg = algorithm_of_public_key(config.public_key);
        impl_->key = config.public_key;
    } else {
        throw std::invalid_argument("auth.jwt: jwt mode needs auth.jwt.secret, secret_file or public_key_file");
    }
    if (config.user_claim.empty()) throw std::invalid_argument("auth.jwt.user_claim: must not be empty");
}

JwtVerifier::~JwtVerifier() = default;

std::string_view JwtVerifier::algorithm() const { return jwt_alg_str(impl_->alg); }

JwtCheck JwtVerifier::verify(std::string_view token, std::int64_t now) const {
    if (token.empty()) return invalid("the token is empty");
    if (token.size() > kMaxTokenBytes) return invalid("the token is too long");
    const auto& c = impl_->config;
    // libjwt takes a C string: a NUL inside would cut the token short.
    if (token.find('\0') != std::string_view::npos) return invalid("the token is malformed");
    const std::string text(token);
    jwt_t* raw = nullptr;
    // With a key, libjwt refuses alg "none" and checks the signature under the token's own alg; the alg is
    // then compared with the key's, so an HS256 token "signed" with the RSA public key as its secret fails.
    const int rc = jwt_decode(&raw, text.c_str(), reinterpret_cast<const unsigned char*>(impl_->key.data()),
                              static_cast<int>(impl_->key.size()));
    std::unique_ptr<jwt_t, JwtFree> jwt(raw);
    if (rc != 0 || !jwt) return invalid("the token is malformed or its signature does not verify");
    if (jwt_get_alg(jwt.get()) != impl_->alg) {
        return invalid(std::string("the token's alg is not ") + jwt_alg_str(impl_->alg));
    }

    char* grants = jwt_get_grants_json(jwt.get(), nullptr);
    if (grants == nullptr) return invalid("the token has no claims");
    boost::system::error_code ec;
    auto payload = boost::json::parse(grants, ec);
    std::free(grants);
    if (ec || !payload.is_object()) return invalid("the token's claims are not a JSON object");
    const auto& claims = payload.get_object();

    const double leeway = static_cast<double>(c.leeway_seconds);
    const auto* exp = claims.if_contains("exp");
    double at = 0;
    if (exp == nullptr || !numeric_date(*exp, at)) return invalid("the token has no exp claim");
    if (static_cast<double>(now) > at + leeway) return invalid("the token has expired");
    if (const auto* nbf = claims.if_contains("nbf"); nbf != nullptr) {
        if (!numeric_date(*nbf, at)) return invalid("the token's nbf claim is not a time");
        if (static_cast<double>(now) + leeway < at) return invalid("the token is not valid yet");
    }
    if (!c.issuer.empty()) {
        const auto* iss = claims.if_contains("iss");
        if (iss == nullptr || !iss->is_string() || iss->get_string() != c.issuer) return invalid("the token's iss is not accepted");
    }
    if (!c.audience.empty()) {
        const auto* aud = claims.if_contains("aud");
        if (aud == nullptr || !has_audience(*aud, c.audience)) return invalid("the token's aud is not accepted");
    }

    JwtCheck check;
    check.valid = true;
    if (const auto* user = claims.if_contains(c.user_claim); user != nullptr) {
        // Longer than any id: left empty, so it matches no path rather than being cut into one.
        if (user->is_string() && user->get_string().size() <= 128) check.user = std::string(user->get_string());
        else if (user->is_int64()) check.user = std::to_string(user->get_int64());
        else if (user->is_uint64()) check.user = std::to_string(user->get_uint64());
    }
    if (!c.admin_claim.empty()) {
        if (const auto* role = claims.if_contains(c.admin_claim); role != nullptr) check.admin = names_admin(*role);
    }
    return check;
}

}  // namespace coupon::http
