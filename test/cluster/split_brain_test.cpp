// Issue 8 item 12: several nodes on one Kafka cluster, each with its own database (e.g. its own SQLite file),
// would each issue the whole stock. Every result carries its database's identity (coupon_database-id); a node
// that reads a result decided on another database refuses: it stops deciding, answers new requests 503 and
// /ready 503 DATABASE_SPLIT_BRAIN, and logs both identities. Nodes that share a database never refuse.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <regex>
#include <set>
#include <thread>

#include "cluster_fixture.hpp"
#include "eventually.hpp"
#include "temp_dir.hpp"

using namespace coupon::test;
using namespace std::chrono_literals;

namespace {

// The identity the store logged when the node opened its database.
std::string identity_in(const std::string& log) {
    static const std::regex line(R"(migration\(s\) applied, identity ([0-9a-f]{32}))");
    std::smatch match;
    return std::regex_search(log, match, line) ? match[1].str() : std::string();
}

HttpReply post_issue(const Cluster& cluster, int node, std::int64_t user, std::int64_t policy) {
    HttpCall call;
    call.method = "POST";
    call.target = fmt::format("/api/coupons/{}", user);
    call.body = fmt::format(R"({{"couponPolicyId":{}}})", policy);
    call.headers = {{"Content-Type", "application/json"}, {"Prefer", "respond-async"}};
    return http(cluster.port(node), call, 10000);
}

std::int64_t metric(const Cluster& cluster, int node, const std::string& name) {
    const HttpReply reply = cluster.get(node, "/metrics");
    const std::regex line("(^|\n)" + name + " ([0-9]+)");
    std::smatch match;
    return std::regex_search(reply.body, match, line) ? std::stoll(match[2].str()) : -1;
}

// Sends requests for policies 1..4 (different partitions) to both nodes, so both nodes' members decide some.
int send_requests(const Cluster& cluster, int count) {
    int accepted = 0;
    for (int i = 0; i < count; ++i) {
        const HttpReply reply = post_issue(cluster, 1 + i % 2, 1000 + i, 1 + i % 4);
        if (reply.status == 202 || reply.status == 200) ++accepted;
    }
    return accepted;
}

}  // namespace

TEST_CASE("two nodes on one broker each with its own SQLite file: a node refuses, naming both databases",
          "[cluster]") {
    TempDir files;
    ClusterOptions options;
    options.node_env_of[1]["COUPON_DATABASE_URL"] = "sqlite:" + files.path() + "/node-1.db";
    options.node_env_of[2]["COUPON_DATABASE_URL"] = "sqlite:" + files.path() + "/node-2.db";
    Cluster cluster(options);
    cluster.start_nodes({1, 2});
    const std::string id1 = identity_in(cluster.node_log(1));
    const std::string id2 = identity_in(cluster.node_log(2));
    INFO("identities " << id1 << " " << id2);
    REQUIRE(!id1.empty());
    REQUIRE(!id2.empty());
    REQUIRE(id1 != id2);
    for (int node : {1, 2}) {
        for (int p = 1; p <= 4; ++p) cluster.create_policy(node, fmt::format("stock {}", p), 1000);
    }

    REQUIRE(send_requests(cluster, 40) > 0);
    auto refusing = [&](int node) {
        const HttpReply ready = cluster.get(node, "/ready");
        return ready.status == 503 && ready.body.find("DATABASE_SPLIT_BRAIN") != std::string::npos;
    };
    const bool refused = eventually([&] { return refusing(1) || refusing(2); }, 30s, 200ms);
    if (!refused) cluster.mark_failed();
    REQUIRE(refused);

    const int node = refusing(1) ? 1 : 2;
    const std::string own = node == 1 ? id1 : id2;
    const std::string other = node == 1 ? id2 : id1;
    const std::string log = cluster.node_log(node);
    const auto at = log.find("SPLIT BRAIN");
    REQUIRE(at != std::string::npos);
    const std::string line = log.substr(at, log.find('\n', at) - at);
    INFO(line);
    CHECK(line.find("decided on database " + other) != std::string::npos);
    CHECK(line.find("this node's database is " + own) != std::string::npos);
    CHECK(eventually([&] { return log.find("consumers stopped") != std::string::npos ||
                                  cluster.node_log(node).find("consumers stopped") != std::string::npos; },
                     20s, 200ms));
    CHECK(metric(cluster, node, "coupon_kafka_foreign_database_results_total") > 0);
    CHECK(metric(cluster, node, "coupon_ready") == 0);
    // It takes no more requests: they would be decided by nobody or on the wrong database.
    CHECK(post_issue(cluster, node, 99999, 1).status == 503);
    // And it stays that way (not ready until an operator restarts it on the shared database).
    std::this_thread::sleep_for(2s);
    CHECK(refusing(node));
}

TEST_CASE("two nodes on one broker and one PostgreSQL database stay ready while both decide", "[cluster]") {
    Cluster cluster;
    cluster.start_nodes({1, 2});
    const std::string id1 = identity_in(cluster.node_log(1));
    REQUIRE(!id1.empty());
    CHECK(identity_in(cluster.node_log(2)) == id1);
    for (int p = 1; p <= 4; ++p) CHECK(cluster.create_policy(1 + p % 2, fmt::format("stock {}", p), 1000) == p);

    REQUIRE(send_requests(cluster, 40) == 40);
    // Every request decided, on both nodes' members, then both are still ready and saw no foreign result.
    const bool decided = eventually([&] { return cluster.pg().scalar("SELECT COUNT(*) FROM coupon") == 40; }, 30s, 200ms);
    if (!decided) cluster.mark_failed();
    REQUIRE(decided);
    std::this_thread::sleep_for(1s);  // results reach every node's listener
    for (int node : {1, 2}) {
        INFO("node " << node);
        CHECK(cluster.get(node, "/ready").status == 200);
        CHECK(metric(cluster, node, "coupon_kafka_foreign_database_results_total") == 0);
        CHECK(metric(cluster, node, "coupon_kafka_results_received_total") >= 40);
        CHECK(cluster.node_log(node).find("SPLIT BRAIN") == std::string::npos);
    }
}
