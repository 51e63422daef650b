// The e2e over-issuance race (issue_race.hpp) with coupon-server on the Apache Kafka cluster of the tier,
// on SQLite (realkafka_tests) and PostgreSQL (realkafka_pg_tests).
#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <set>

#include "issue_race.hpp"
#include "real_kafka.hpp"

using namespace coupon::test;

TEST_CASE("realkafka: 2,000 concurrent requests from 500 users for stock 100 issue exactly 100, no user twice",
          "[realkafka]") {
    const auto kafka = cluster_or_skip();
    if (!kafka) return;
    const TestTopics topics = unique_topics("race");
    RunningServer server(topics.env(*kafka));
    const auto start = std::chrono::steady_clock::now();
    run_issue_race(server);
    WARN("race and audit on real Kafka took "
         << std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() << " s");
    // Every request the server accepted is on the cluster's issue topic, once.
    std::set<std::string> ids;
    std::size_t records = 0;
    for (const auto& r : read_topic_records(kafka->bootstrap, topics.issue)) {
        ++records;
        ids.insert(r.value);
    }
    CHECK(records == ids.size());
    CHECK(static_cast<long long>(records) == server.database->count("SELECT COUNT(*) FROM coupon_issue_request"));
    CHECK(server.process->stop(SIGTERM) == 0);
}
