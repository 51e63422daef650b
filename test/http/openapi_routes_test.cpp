// docs/openapi.yaml against the router: every route of make_routes() is documented with its path
// parameters, nothing is documented that the router does not serve, and GET /openapi.yaml serves the file
// byte for byte (the copy built into the binary).
#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "openapi.hpp"
#include "test_doubles.hpp"

using namespace coupon::http;
using namespace coupon::http::test;

namespace {

const std::set<std::string> kMethods{"get", "put", "post", "delete", "patch", "head", "options", "trace"};

std::string upper(std::string text) {
    for (auto& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return text;
}

// "GET /api/x/{id}" for every route the real table holds.
std::set<std::string> served_routes() {
    OutcomeBoard board;
    MapQueries queries;
    coupon::test::ManualClock clock;
    FakeSink sink{board};
    coupon::test::InMemoryStore db;
    coupon::test::InMemoryDeadLetters dead_letters{db};
    FakeReplayer replayer;
    const auto router =
        make_routes(ApiDeps{sink, queries, board, clock, {}, &dead_letters, &replayer}, test_config());
    std::set<std::string> out;
    for (const auto& route : router.routes()) out.insert(route.method + " " + route.pattern);
    return out;
}

YAML::Node resolve(const YAML::Node& root, const YAML::Node& node) {
    if (!node["$ref"]) return node;
    // Local references only: "#/components/parameters/UserId".
    std::string ref = node["$ref"].as<std::string>();
    REQUIRE(ref.starts_with("#/"));
    YAML::Node at = root;
    std::stringstream parts(ref.substr(2));
    for (std::string part; std::getline(parts, part, '/');) {
        at.reset(at[part]);
        REQUIRE(at.IsDefined());
    }
    return at;
}

}  // namespace

TEST_CASE("docs/openapi.yaml describes exactly the router's routes, with their path parameters", "[http][openapi]") {
    const YAML::Node doc = YAML::Load(std::string(openapi_document()));
    REQUIRE(doc["openapi"].as<std::string>().starts_with("3.1"));

    std::set<std::string> documented;
    for (const auto& path : doc["paths"]) {
        const auto pattern = path.first.as<std::string>();
        for (const auto& op : path.second) {
            const auto method = op.first.as<std::string>();
            if (!kMethods.contains(method)) continue;
            documented.insert(upper(method) + " " + pattern);
            INFO(upper(method) << " " << pattern);

            // Every "{name}" of the pattern is a documented path parameter, and no other is.
            std::set<std::string> in_pattern, declared;
            static const std::regex placeholder(R"(\{([^}]+)\})");
            for (std::sregex_iterator it(pattern.begin(), pattern.end(), placeholder), end; it != end; ++it) {
                in_pattern.insert((*it)[1].str());
            }
            for (const auto& p : op.second["parameters"]) {
                const auto param = resolve(doc, p);
                if (param["in"].as<std::string>() == "path") declared.insert(param["name"].as<std::string>());
            }
            CHECK(in_pattern == declared);

            // Each operation answers something documented, with a success among it.
            const auto responses = op.second["responses"];
            REQUIRE(responses.IsMap());
            bool success = false;
            for (const auto& r : responses) success = success || r.first.as<std::string>().starts_with("2");
            CHECK(success);
        }
    }
    const auto served = served_routes();
    std::set<std::string> undocumented, not_served;
    for (const auto& r : served) {
        if (!documented.contains(r)) undocumented.insert(r);
    }
    for (const auto& r : documented) {
        if (!served.contains(r)) not_served.insert(r);
    }
    CHECK(undocumented == std::set<std::string>{});
    CHECK(not_served == std::set<std::string>{});
    CHECK(served.size() >= 12);
}

TEST_CASE("GET /openapi.yaml serves docs/openapi.yaml as built into the binary", "[http][openapi]") {
    std::ifstream in(std::string(COUPON_SOURCE_DIR) + "/docs/openapi.yaml", std::ios::binary);
    REQUIRE(in);
    std::stringstream file;
    file << in.rdbuf();

    ApiHarness api;
    const auto reply = api.get("/openapi.yaml");
    CHECK(reply.status == 200);
    CHECK(reply.header("content-type") == "application/yaml");
    CHECK(reply.body == file.str());
    CHECK(api.post("/openapi.yaml", "").status == 405);
}
