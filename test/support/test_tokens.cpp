#include "test_tokens.hpp"

#include <jwt.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

namespace coupon::test {
namespace {

std::string read_all(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

void run(const std::string& command) {
    if (std::system(command.c_str()) != 0) throw std::runtime_error("failed: " + command);
}

}  // namespace

KeyPair generate_key_pair(const TempDir& dir, const std::string& kind) {
    const std::string priv = dir.path() + "/" + kind + "-private.pem";
    const std::string pub = dir.path() + "/" + kind + "-public.pem";
    const std::string options = kind == "rsa" ? "-algorithm RSA -pkeyopt rsa_keygen_bits:2048"
                                              : "-algorithm EC -pkeyopt ec_paramgen_curve:P-256";
    run("openssl genpkey " + options + " -out '" + priv + "' 2>/dev/null");
    run("openssl pkey -in '" + priv + "' -pubout -out '" + pub + "' 2>/dev/null");
    return {read_all(priv), read_all(pub)};
}

std::string sign_jwt(const std::string& alg, const std::string& key, const std::string& claims) {
    jwt_t* raw = nullptr;
    if (jwt_new(&raw) != 0) throw std::runtime_error("jwt_new failed");
    std::unique_ptr<jwt_t, void (*)(jwt_t*)> jwt(raw, jwt_free);
    if (jwt_add_grants_json(jwt.get(), claims.c_str()) != 0) throw std::runtime_error("bad claims: " + claims);
    const jwt_alg_t a = jwt_str_alg(alg.c_str());
    const int rc = a == JWT_ALG_NONE ? jwt_set_alg(jwt.get(), a, nullptr, 0)
                                     : jwt_set_alg(jwt.get(), a, reinterpret_cast<const unsigned char*>(key.data()),
                                                   static_cast<int>(key.size()));
    if (rc != 0) throw std::runtime_error("jwt_set_alg " + alg + " failed");
    char* text = jwt_encode_str(jwt.get());
    if (text == nullptr) throw std::runtime_error("jwt_encode_str failed");
    std::string token(text);
    std::free(text);
    return token;
}

std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace coupon::test
