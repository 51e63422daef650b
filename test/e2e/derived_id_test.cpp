// A record without requestId (the seed's Spring records) gets an id derived from where it was read. The
// embedded broker lives in the process: after a restart it is a new, empty broker while the database keeps
// every id, so the next such record sits at the same topic/partition/offset as an old one. It must be a new
// request with its own outcome, not the old request's twin (issue 8 item 5).
#include <catch2/catch.hpp>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "e2e_fixture.hpp"
#include "foreign_record.hpp"

using namespace coupon::test;
using namespace std::chrono_literals;

namespace {

// The seed's record as a Spring producer writes it: no requestId, the class name as type, key = policy id
// (Java's murmur2 partitioner: the same key lands on the same partition in every incarnation).
void produce_spring_record(const std::string& bootstrap, const std::string& key, const std::string& value,
                           const std::string& dir) {
    produce_foreign(bootstrap, key, value, dir, "kr.hhplus.be.server.coupon.domain.event.CouponIssueRequest");
}

bool wait_for_count(E2eDatabase& db, const std::string& sql, long long expected, std::chrono::seconds timeout) {
    return eventually([&] { return db.count(sql) == expected; }, timeout, 100ms);
}

}  // namespace

TEST_CASE("a record without requestId in a new broker incarnation is a new request, not an old one's twin",
          "[e2e][derived-id]") {
    TempDir files;
    const std::map<std::string, std::string> env{{"COUPON_KAFKA_EMBEDDED_BOOTSTRAP_FILE", files.path() + "/bootstrap"}};
    RunningServer server(env);
    const std::int64_t policy = server.create_policy(10);
    const std::string key = std::to_string(policy);
    const std::string bootstrap1 = first_line(files.path() + "/bootstrap");

    produce_spring_record(bootstrap1, key, R"({"userId":1,"couponPolicyId":)" + key + "}", files.path());
    REQUIRE(wait_for_count(*server.database, "SELECT COUNT(*) FROM coupon WHERE user_id = 1", 1, 30s));

    // Same database, fresh embedded broker: the topic starts again at offset 0.
    REQUIRE(server.process->stop(SIGTERM) == 0);
    server.start(env);
    const std::string bootstrap2 = first_line(files.path() + "/bootstrap");
    produce_spring_record(bootstrap2, key, R"({"userId":2,"couponPolicyId":)" + key + "}", files.path());

    // User 2's record is decided on its own (old code: it inherited user 1's ISSUED and got nothing).
    CHECK(wait_for_count(*server.database, "SELECT COUNT(*) FROM coupon WHERE user_id = 2", 1, 30s));
    CHECK(server.database->count("SELECT COUNT(*) FROM coupon_issue_request") == 2);
    CHECK(server.database->count("SELECT COUNT(DISTINCT request_id) FROM coupon_issue_request") == 2);
    // Both were read at the same place, which is what the derived id used to be made of.
    CHECK(server.database->count("SELECT COUNT(DISTINCT kafka_partition) FROM coupon_issue_request") == 1);
    CHECK(server.database->count("SELECT COUNT(*) FROM coupon_issue_request WHERE kafka_offset = 0") == 2);
    CHECK(server.database->count("SELECT issued_quantity FROM coupon_policy") == 2);
    CHECK(server.process->stop(SIGTERM) == 0);
}
