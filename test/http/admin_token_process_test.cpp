// The first five minutes against the real server process: on the embedded default with no admin token, the
// node generates one into a 0600 file in its data directory (never into its log); with a configured token
// it writes nothing and the configured token is the only one.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>

#include "http_client.hpp"
#include "server_process.hpp"
#include "temp_dir.hpp"

using namespace coupon::test;

namespace {

// A server on loopback port 0 with the embedded broker and SQLite in `dir`; `admin_token` empty: none
// configured from any source (the inherited environment included).
// Each start logs to its own file: a restarted server must not be judged by its predecessor's lines.
std::unique_ptr<ServerProcess> start_server(const TempDir& dir, const std::string& admin_token, std::uint16_t& port,
                                            const std::string& log_name = "server.log") {
    const auto env = embedded_server_env(dir.path() + "/data", admin_token);
    auto process = std::make_unique<ServerProcess>(std::vector<std::string>{}, env, dir.path() + "/" + log_name, true);
    port = process->wait_ready();
    if (port == 0) FAIL("server did not become ready; log:\n" << process->log());
    return process;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

HttpReply create_policy(std::uint16_t port, const std::string& token) {
    std::map<std::string, std::string> headers;
    if (!token.empty()) headers["Authorization"] = "Bearer " + token;
    return http(port, {"POST", "/api/coupon-policies",
                       R"({"name":"first five minutes","totalQuantity":10,"discountType":"AMOUNT","discountValue":3000})",
                       headers});
}

}  // namespace

TEST_CASE("embedded default without an admin token: a generated token in a 0600 file opens the admin endpoints",
          "[http][process][admin]") {
    TempDir dir;
    std::uint16_t port = 0;
    auto server = start_server(dir, "", port);
    const std::string path = dir.path() + "/data/admin_token";

    struct stat info {};
    REQUIRE(::stat(path.c_str(), &info) == 0);
    CHECK(S_ISREG(info.st_mode));
    CHECK((info.st_mode & 07777) == 0600);
    std::string token = read_file(path);
    while (!token.empty() && token.back() == '\n') token.pop_back();
    CHECK(token.size() >= 32);  // 32 random bytes, hex
    CHECK_FALSE(std::filesystem::exists(path + ".tmp"));

    const auto created = create_policy(port, token);
    INFO(created.body);
    CHECK(created.status == 201);
    CHECK(create_policy(port, "").status == 401);
    CHECK(create_policy(port, token + "x").status == 401);
    CHECK(http(port, {"GET", "/api/admin/dead-letters", "", {{"Authorization", "Bearer " + token}}}).status == 200);

    CHECK(server->stop(SIGTERM) == 0);
    const std::string log = server->log();
    INFO(log);
    CHECK(log.find(path) != std::string::npos);         // the start-up log names the file ...
    CHECK(log.find(token) == std::string::npos);        // ... and no line holds the token
    CHECK(log.find(token.substr(0, 16)) == std::string::npos);

    // The next start makes a new token: the old one opens nothing any more.
    auto again = start_server(dir, "", port, "server-2.log");
    std::string second = read_file(path);
    while (!second.empty() && second.back() == '\n') second.pop_back();
    CHECK(second != token);
    CHECK(create_policy(port, token).status == 401);
    CHECK(create_policy(port, second).status == 201);
    CHECK(again->stop(SIGTERM) == 0);
}

TEST_CASE("a configured admin token: no token file is written and only the configured token opens the admin endpoints",
          "[http][process][admin]") {
    TempDir dir;
    std::uint16_t port = 0;
    const std::string configured = "configured-admin-token-for-this-test";
    auto server = start_server(dir, configured, port);
    CHECK_FALSE(std::filesystem::exists(dir.path() + "/data/admin_token"));
    CHECK(create_policy(port, configured).status == 201);
    CHECK(create_policy(port, "").status == 401);
    CHECK(server->stop(SIGTERM) == 0);
    CHECK(server->log().find("admin_token") == std::string::npos);
}
