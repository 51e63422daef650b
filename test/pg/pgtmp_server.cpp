#include "pgtmp_server.hpp"

#include <fmt/format.h>
#include <libpq-fe.h>
#include <stdio.h>

#include <cctype>

#include <regex>
#include <stdexcept>

namespace coupon::test {
namespace {

// Runs scripts/pgtmp with `args`; returns its stdout, throws on a non-zero exit.
std::string pgtmp(const std::string& args) {
    const std::string command = fmt::format("'{}' {}", COUPON_PGTMP_SCRIPT, args);
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) throw std::runtime_error("cannot run " + command);
    std::string out;
    char buffer[512];
    while (fgets(buffer, sizeof buffer, pipe) != nullptr) out += buffer;
    if (pclose(pipe) != 0) throw std::runtime_error(fmt::format("{} failed: {}", command, out));
    return out;
}

}  // namespace

PgTmpServer::PgTmpServer() {
    const std::string out = pgtmp("start");
    static const std::regex line(R"(export PGTMP_DIR=(\S+) COUPON_TEST_PG_URL='([^']+)')");
    std::smatch m;
    if (!std::regex_search(out, m, line)) throw std::runtime_error("unexpected output of pgtmp start: " + out);
    dir_ = m[1];
    url_ = m[2];
}

PgTmpServer::~PgTmpServer() {
    try {
        pgtmp("stop '" + dir_ + "'");
    } catch (const std::exception& e) {
        fmt::print(stderr, "{}\n", e.what());
    }
}

void PgTmpServer::restart() { pgtmp("restart '" + dir_ + "'"); }
void PgTmpServer::halt() { pgtmp("halt '" + dir_ + "'"); }
void PgTmpServer::resume() { pgtmp("resume '" + dir_ + "'"); }

namespace {

std::string percent_encoded(const char* text) {
    std::string out;
    for (const char* p = text; *p != '\0'; ++p) {
        const auto c = static_cast<unsigned char>(*p);
        if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~' || c == '/') {
            out += static_cast<char>(c);
        } else {
            out += fmt::format("%{:02X}", static_cast<unsigned>(c));
        }
    }
    return out;
}

}  // namespace

std::string pg_url_with_database(const std::string& url, const std::string& database) {
    char* error = nullptr;
    PQconninfoOption* options = PQconninfoParse(url.c_str(), &error);
    if (options == nullptr) {
        const std::string why = error != nullptr ? error : "out of memory";
        PQfreemem(error);
        throw std::runtime_error("bad PostgreSQL URL " + url + ": " + why);
    }
    std::string out = "postgresql:///" + database;
    char separator = '?';
    for (const PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
        if (o->val == nullptr || std::string(o->keyword) == "dbname") continue;
        out += fmt::format("{}{}={}", separator, o->keyword, percent_encoded(o->val));
        separator = '&';
    }
    PQconninfoFree(options);
    return out;
}

}  // namespace coupon::test
