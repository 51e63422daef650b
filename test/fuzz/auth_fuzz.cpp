// scripts/fuzz: -max_len=12288
// auth.mode=jwt's Authenticator (docs/auth.md) over any Authorization header: the bytes are the header's
// value. Checked for every input, besides what ASan and UBSan catch inside libjwt's callers:
// - an accepted token carries the HMAC-SHA256 of its first two parts under the configured secret (no
//   alg "none", no other algorithm, no key confusion gets through);
// - a refusal is a 401 with a JSON error body and a WWW-Authenticate header that cannot split the answer
//   (no CR, LF or NUL) and never echoes the token.
#include <boost/beast/core/string.hpp>
#include <boost/json.hpp>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "authenticator.hpp"
#include "fuzz_check.hpp"

namespace {

using namespace coupon;

// The secret the seeds' valid tokens are signed with (test/fuzz/corpus/auth/).
constexpr std::string_view kSecret = "fuzz-only-hs256-secret-0123456789";
// Every error text the authenticator writes is shorter (the longest is about 110 characters).
constexpr std::size_t kLongerThanOurTexts = 160;

const http::Authenticator& authenticator() {
    static const auto auth = [] {
        http::AuthConfig config;
        config.mode = http::AuthConfig::Mode::Jwt;
        config.jwt.secret = std::string(kSecret);
        config.jwt.admin_claim = "admin";
        return http::make_authenticator(config);
    }();
    return *auth;
}

// base64url (padding optional) to bytes; nullopt for anything else.
std::optional<std::string> base64url_decode(std::string_view text) {
    std::string standard(text);
    while (!standard.empty() && standard.back() == '=') standard.pop_back();
    for (char& c : standard) {
        if (c == '-') c = '+';
        if (c == '_') c = '/';
    }
    const std::size_t unpadded = standard.size();
    if (unpadded % 4 == 1) return std::nullopt;
    while (standard.size() % 4 != 0) standard += '=';
    std::string out(standard.size() / 4 * 3, '\0');
    const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(standard.data()),
                                  static_cast<int>(standard.size()));
    if (n < 0) return std::nullopt;
    out.resize(static_cast<std::size_t>(n) - (standard.size() - unpadded));  // EVP counts the '=' as zero bytes
    return out;
}

void check_signed(std::string_view token) {
    const auto last_dot = token.rfind('.');
    if (last_dot == std::string_view::npos) fuzz::fail("accepted a token without a signature part", std::string(token));
    const std::string_view signed_part = token.substr(0, last_dot);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_size = 0;
    HMAC(EVP_sha256(), kSecret.data(), static_cast<int>(kSecret.size()),
         reinterpret_cast<const unsigned char*>(signed_part.data()), signed_part.size(), mac, &mac_size);
    const auto signature = base64url_decode(token.substr(last_dot + 1));
    if (!signature || *signature != std::string(reinterpret_cast<const char*>(mac), mac_size)) {
        fuzz::fail("accepted a token that is not HMAC-SHA256 signed with the secret", std::string(token));
    }
}

void check_refusal(const http::Response& answer, std::string_view token) {
    if (answer.status != 401) fuzz::fail("a bad credential answered " + std::to_string(answer.status), answer.body);
    boost::system::error_code ec;
    const auto body = boost::json::parse(answer.body, ec);
    if (ec || !body.is_object() || !body.as_object().contains("code")) fuzz::fail("401 without a JSON error", answer.body);
    const auto challenge = answer.headers.get("WWW-Authenticate");
    if (!challenge) fuzz::fail("401 without WWW-Authenticate", answer.body);
    for (const char c : *challenge) {
        if (c == '\r' || c == '\n' || c == '\0') fuzz::fail("WWW-Authenticate can split the answer", std::string(*challenge));
    }
    // Only tokens longer than any text of ours: a shorter one may be a piece of a fixed message by chance.
    if (token.size() >= kLongerThanOurTexts && (challenge->find(token) != std::string_view::npos ||
                               answer.body.find(token) != std::string::npos)) {
        fuzz::fail("the answer echoes the token", std::string(token));
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string value(reinterpret_cast<const char*>(data), size);
    http::Request request;
    request.method = "POST";
    request.target = request.path = "/api/coupons/42";
    request.headers.add("Authorization", value);
    const auto outcome = authenticator().authenticate(request);
    // The token as RFC 7235 reads it: the scheme in any case, spaces around the token ignored.
    std::string_view token = value;
    if (token.size() >= 7 && boost::beast::iequals(token.substr(0, 7), "Bearer ")) token.remove_prefix(7);
    while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
    while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
    if (std::holds_alternative<http::Identity>(outcome)) {
        check_signed(token);
    } else {
        check_refusal(std::get<http::Response>(outcome), token);
    }
    return 0;
}
