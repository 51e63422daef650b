// Issue 8 item 8: an accepted request that is not decided yet is PENDING on every node, not only on the one
// that took it. The status URL carries where the broker stored the request (?at=<partition>-<offset>); a node
// that does not remember the request reads that one record from the issue topic.
#include <catch2/catch.hpp>
#include <libpq-fe.h>

#include <boost/json.hpp>
#include <thread>

#include "cluster_fixture.hpp"
#include "eventually.hpp"
#include "pg_row_lock.hpp"

using namespace coupon::test;
using namespace std::chrono_literals;

namespace {

std::string field(const HttpReply& reply, const char* name) {
    const auto value = boost::json::parse(reply.body);
    const auto* member = value.as_object().if_contains(name);
    return member != nullptr && member->is_string() ? std::string(member->as_string()) : std::string();
}

}  // namespace

TEST_CASE("two nodes: a pending request is PENDING from its status URL on the node that did not take it",
          "[cluster]") {
    Cluster cluster;
    cluster.start_nodes({1, 2});
    const std::int64_t policy = cluster.create_policy(1, "stock 10", 10);

    PolicyRowLock lock(cluster.pg().url(), policy);
    HttpCall post;
    post.method = "POST";
    post.target = "/api/coupons/7";
    post.body = R"({"couponPolicyId":)" + std::to_string(policy) + "}";
    post.headers = {{"Content-Type", "application/json"}, {"Prefer", "respond-async"}};
    const HttpReply accepted = http(cluster.port(1), post);
    INFO(accepted.body);
    REQUIRE(accepted.status == 202);
    const std::string id = field(accepted, "requestId");
    const std::string url = field(accepted, "statusUrl");
    REQUIRE(url == accepted.header("location"));
    const auto at = url.find("?at=");
    REQUIRE(at != std::string::npos);

    // The row is locked: nobody has decided it. Node 2 never saw the request.
    const HttpReply elsewhere = cluster.get(2, url);
    INFO(elsewhere.body);
    CHECK(elsewhere.status == 200);
    CHECK(field(elsewhere, "status") == "PENDING");
    CHECK_FALSE(elsewhere.header("retry-after").empty());
    // Without the place, node 2 cannot know it (and says how to ask); with another place, it is not there.
    CHECK(cluster.get(2, "/api/coupon-requests/" + id).status == 404);
    const std::string partition = url.substr(at + 4, url.find('-', at) - at - 4);
    CHECK(cluster.get(2, "/api/coupon-requests/" + id + "?at=" + partition + "-999999").status == 404);

    // Once decided, every node answers the outcome from the database.
    lock.release();
    std::string status;
    (void)eventually(
        [&] {
            const HttpReply reply = cluster.get(2, url);
            status = reply.status == 200 ? field(reply, "status") : std::string();
            return status != "PENDING" && !status.empty();
        },
        60s, 100ms);
    CHECK(status == "ISSUED");
    CHECK(field(cluster.get(1, url), "status") == "ISSUED");
}
