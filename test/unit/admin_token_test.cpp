// The admin token generated on the embedded default, and only there (src/app/admin_token_bootstrap.cpp).
// The http tier checks the same through the real server process; this covers the production cases,
// which the process tests cannot start cheaply (they need a real Kafka cluster).
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "admin_token_bootstrap.hpp"
#include "coupon/http/admin_auth.hpp"
#include "temp_dir.hpp"

using namespace coupon::app;

namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

unsigned mode_of(const std::string& path) {
    struct stat info {};
    REQUIRE(::stat(path.c_str(), &info) == 0);
    return info.st_mode & 07777;
}

}  // namespace

TEST_CASE("production configuration gets no generated admin token", "[unit][admin]") {
    coupon::test::TempDir dir;
    Config config;
    config.server.data_dir = dir.path() + "/data";

    SECTION("a real broker and no token: admin stays disabled") {
        config.kafka.bootstrap_servers = "k1:9092";
        CHECK_FALSE(wants_generated_admin_token(config));
        bootstrap_admin_token(config);
        CHECK(config.http.admin_token.empty());
    }
    SECTION("a configured token on the embedded default is kept") {
        config.http.admin_token = "mine";
        CHECK_FALSE(wants_generated_admin_token(config));
        bootstrap_admin_token(config);
        CHECK(config.http.admin_token == "mine");
    }
    CHECK_FALSE(std::filesystem::exists(generated_token_path(config)));
}

TEST_CASE("the embedded default without a token writes a fresh random token to a 0600 file", "[unit][admin]") {
    coupon::test::TempDir dir;
    Config config;
    config.server.data_dir = dir.path() + "/data";  // not there yet: created
    REQUIRE(wants_generated_admin_token(config));

    // An earlier, world-readable file is replaced, whatever the umask says.
    std::filesystem::create_directories(config.server.data_dir);
    std::ofstream(generated_token_path(config)) << "old\n";
    ::chmod(generated_token_path(config).c_str(), 0644);
    const mode_t old_mask = ::umask(0);
    bootstrap_admin_token(config);
    ::umask(old_mask);

    const std::string first = config.http.admin_token;
    CHECK(first.size() == 64);
    CHECK(first.size() >= coupon::http::kMinAdminTokenLength);  // what the configuration check requires
    CHECK(first.find_first_not_of("0123456789abcdef") == std::string::npos);
    CHECK(read_file(generated_token_path(config)) == first + "\n");
    CHECK(mode_of(generated_token_path(config)) == 0600);

    Config restarted;
    restarted.server.data_dir = config.server.data_dir;
    bootstrap_admin_token(restarted);
    CHECK(restarted.http.admin_token != first);
    CHECK(read_file(generated_token_path(restarted)) == restarted.http.admin_token + "\n");
}
