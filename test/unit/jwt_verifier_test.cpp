// The JWT check of auth.mode=jwt (src/http/jwt_verifier.cpp) against tokens signed here with libjwt's
// encode API and keys generated at test time.
#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>
#include <vector>

#include "jwt_verifier.hpp"
#include "test_tokens.hpp"

using namespace coupon::http;
using coupon::test::kTestJwtSecret;
using coupon::test::sign_jwt;

namespace {

AuthConfig::Jwt hs256() {
    AuthConfig::Jwt config;
    config.secret = kTestJwtSecret;
    return config;
}

std::string claims(const std::string& extra, std::int64_t exp_offset = 300) {
    const auto now = coupon::test::unix_now();
    return R"({"sub":"42","exp":)" + std::to_string(now + exp_offset) + (extra.empty() ? "" : "," + extra) + "}";
}

// Replaces the token's signature with another token's: a valid header and payload, a wrong signature.
std::string with_signature_of(const std::string& token, const std::string& other) {
    return token.substr(0, token.rfind('.')) + other.substr(other.rfind('.'));
}

}  // namespace

TEST_CASE("an HS256 token for the user verifies and names the user", "[unit][auth]") {
    const JwtVerifier verifier(hs256());
    CHECK(verifier.algorithm() == "HS256");
    const auto check = verifier.verify(sign_jwt("HS256", kTestJwtSecret, claims("")), coupon::test::unix_now());
    INFO(check.problem);
    REQUIRE(check.valid);
    CHECK(check.user == "42");
    CHECK_FALSE(check.admin);
}

TEST_CASE("an integer user claim is compared in decimal", "[unit][auth]") {
    const JwtVerifier verifier(hs256());
    const auto now = coupon::test::unix_now();
    const auto check = verifier.verify(
        sign_jwt("HS256", kTestJwtSecret, R"({"sub":42,"exp":)" + std::to_string(now + 60) + "}"), now);
    REQUIRE(check.valid);
    CHECK(check.user == "42");
}

TEST_CASE("expired and not-yet-valid tokens are refused beyond the leeway", "[unit][auth]") {
    auto config = hs256();
    config.leeway_seconds = 30;
    const JwtVerifier verifier(config);
    const auto now = coupon::test::unix_now();
    const auto at = [&](const std::string& c) { return verifier.verify(sign_jwt("HS256", kTestJwtSecret, c), now); };

    const auto expired = at(claims("", -120));
    CHECK_FALSE(expired.valid);
    CHECK(expired.problem == "the token has expired");
    CHECK(at(claims("", -10)).valid);  // within the leeway

    const auto early = at(claims(R"("nbf":)" + std::to_string(now + 600)));
    CHECK_FALSE(early.valid);
    CHECK(early.problem == "the token is not valid yet");
    CHECK(at(claims(R"("nbf":)" + std::to_string(now + 10))).valid);  // within the leeway

    const auto no_exp = at(R"({"sub":"42"})");
    CHECK_FALSE(no_exp.valid);
    CHECK(no_exp.problem == "the token has no exp claim");
}

TEST_CASE("a wrong signature, another secret, alg none and garbage are refused", "[unit][auth]") {
    const JwtVerifier verifier(hs256());
    const auto now = coupon::test::unix_now();
    const auto good = sign_jwt("HS256", kTestJwtSecret, claims(""));
    const auto other = sign_jwt("HS256", "another-secret-of-enough-length-0123456789", claims(R"("x":1)"));
    CHECK_FALSE(verifier.verify(with_signature_of(good, other), now).valid);
    CHECK_FALSE(verifier.verify(other, now).valid);

    const auto unsigned_token = sign_jwt("none", "", claims(""));
    CHECK(unsigned_token.back() == '.');  // header.payload. : really no signature
    CHECK_FALSE(verifier.verify(unsigned_token, now).valid);
    // The same unsigned token with a signature tacked on.
    CHECK_FALSE(verifier.verify(unsigned_token + good.substr(good.rfind('.') + 1), now).valid);

    for (const std::string& bad : std::vector<std::string>{"", "abc", "a.b.c", "..", "eyJhbGciOiJIUzI1NiJ9..", std::string(9000, 'a'),
                                  good.substr(0, good.size() - 5), good + "x", std::string("a\0b", 3)}) {
        INFO(bad.substr(0, 40));
        CHECK_FALSE(verifier.verify(bad, now).valid);
    }
}

TEST_CASE("iss and aud are checked when configured", "[unit][auth]") {
    auto config = hs256();
    config.issuer = "https://id.example";
    config.audience = "coupon";
    const JwtVerifier verifier(config);
    const auto now = coupon::test::unix_now();
    const auto at = [&](const std::string& c) { return verifier.verify(sign_jwt("HS256", kTestJwtSecret, c), now); };
    CHECK(at(claims(R"("iss":"https://id.example","aud":"coupon")")).valid);
    CHECK(at(claims(R"("iss":"https://id.example","aud":["shop","coupon"])")).valid);
    CHECK_FALSE(at(claims(R"("iss":"https://evil.example","aud":"coupon")")).valid);
    CHECK_FALSE(at(claims(R"("iss":"https://id.example","aud":"shop")")).valid);
    CHECK_FALSE(at(claims(R"("aud":"coupon")")).valid);
}

TEST_CASE("the admin claim: true, \"admin\" or an array holding it", "[unit][auth]") {
    auto config = hs256();
    config.admin_claim = "roles";
    const JwtVerifier verifier(config);
    const auto now = coupon::test::unix_now();
    const auto admin = [&](const std::string& c) {
        const auto check = verifier.verify(sign_jwt("HS256", kTestJwtSecret, claims(c)), now);
        REQUIRE(check.valid);
        return check.admin;
    };
    CHECK(admin(R"("roles":["user","admin"])"));
    CHECK(admin(R"("roles":"admin")"));
    CHECK(admin(R"("roles":true)"));
    CHECK_FALSE(admin(R"("roles":["user"])"));
    CHECK_FALSE(admin(R"("roles":false)"));
    CHECK_FALSE(admin(R"("role":"admin")"));
    CHECK_FALSE(admin(""));
}

TEST_CASE("RS256 and ES256 verify with the public key, and the key's alg is the only one", "[unit][auth]") {
    coupon::test::TempDir dir;
    const auto rsa = coupon::test::generate_key_pair(dir, "rsa");
    const auto ec = coupon::test::generate_key_pair(dir, "ec");
    const auto now = coupon::test::unix_now();

    AuthConfig::Jwt rs_config;
    rs_config.public_key = rsa.public_pem;
    const JwtVerifier rs(rs_config);
    CHECK(rs.algorithm() == "RS256");
    CHECK(rs.verify(sign_jwt("RS256", rsa.private_pem, claims("")), now).valid);
    // The classic confusion: an HS256 token whose "secret" is the server's public key.
    const auto confused = rs.verify(sign_jwt("HS256", rsa.public_pem, claims("")), now);
    CHECK_FALSE(confused.valid);
    CHECK_FALSE(rs.verify(sign_jwt("ES256", ec.private_pem, claims("")), now).valid);
    CHECK_FALSE(rs.verify(sign_jwt("none", "", claims("")), now).valid);
    const auto other = coupon::test::generate_key_pair(dir, "rsa");
    CHECK_FALSE(rs.verify(sign_jwt("RS256", other.private_pem, claims("")), now).valid);

    AuthConfig::Jwt es_config;
    es_config.public_key = ec.public_pem;
    const JwtVerifier es(es_config);
    CHECK(es.algorithm() == "ES256");
    CHECK(es.verify(sign_jwt("ES256", ec.private_pem, claims("")), now).valid);
    CHECK_FALSE(es.verify(sign_jwt("RS256", rsa.private_pem, claims("")), now).valid);
    CHECK_FALSE(es.verify(sign_jwt("HS256", ec.public_pem, claims("")), now).valid);

    // HS256 configured: an RS256 token is refused.
    const JwtVerifier hs(hs256());
    CHECK_FALSE(hs.verify(sign_jwt("RS256", rsa.private_pem, claims("")), now).valid);
}

TEST_CASE("an unusable key is refused at construction, naming the key", "[unit][auth]") {
    AuthConfig::Jwt none;
    CHECK_THROWS_WITH(JwtVerifier(none), Catch::Contains("auth.jwt"));
    AuthConfig::Jwt garbage;
    garbage.public_key = "-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n";
    CHECK_THROWS_WITH(JwtVerifier(garbage), Catch::Contains("auth.jwt.public_key_file"));
    AuthConfig::Jwt both = hs256();
    both.public_key = garbage.public_key;
    CHECK_THROWS_AS(JwtVerifier(both), std::invalid_argument);
}
