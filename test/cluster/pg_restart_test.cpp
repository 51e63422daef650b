// PostgreSQL restarted in the middle of a flood over three nodes: the consumers lose their connections,
// records go through the retry topics (or, if the outage outlasts them, to the DLT as FAILED), and in the
// end every accepted request has exactly one outcome and the invariants hold.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <atomic>
#include <exception>
#include <thread>

#include "cluster_fixture.hpp"
#include "flood.hpp"
#include "invariants.hpp"

using namespace coupon::test;

TEST_CASE("three nodes: PostgreSQL restarted mid-flood, requests retry and finish, nothing lost", "[cluster]") {
    const auto test_start = Clock::now();
    ClusterOptions cluster_options;
    cluster_options.own_pg_server = true;  // this test restarts it
    Cluster cluster(cluster_options);
    cluster.start_nodes({1, 2, 3});

    const std::int64_t p1 = cluster.create_policy(1, "stock 50", 50);
    const std::int64_t p2 = cluster.create_policy(2, "stock 100", 100);
    const std::int64_t p3 = cluster.create_policy(3, "stock 150", 150);
    // A large policy keeps every consumer writing to the database throughout the flood (the small ones
    // sell out within seconds and are then answered without Kafka).
    const std::int64_t large = cluster.create_policy(1, "stock 100000", 100000);
    const std::int64_t unknown = 999999;
    const std::vector<PolicySpec> policies{{p1, 50, PolicySpec::Kind::Open},
                                           {p2, 100, PolicySpec::Kind::Open},
                                           {p3, 150, PolicySpec::Kind::Open},
                                           {large, 100000, PolicySpec::Kind::Open},
                                           {unknown, 0, PolicySpec::Kind::Unknown}};

    std::mt19937_64 rng(4242);
    // Spread over time (pauses between waves) so that the restart falls in the middle of the traffic, and
    // keeps the policies from selling out before it.
    const auto plan = make_plan(rng, 2400, 3000, {{p1, 0.1}, {p2, 0.1}, {p3, 0.15}, {large, 0.6}, {unknown, 0.05}}, {1, 2, 3});
    std::atomic<bool> restarted{false};
    std::atomic<double> restart_seconds{0};
    Clock::time_point restart_done;
    std::exception_ptr restart_error;
    std::thread restarter;
    FloodOptions options;
    options.wave = 50;
    options.pause_ms = 150;
    options.before_wave = [&](int node, int wave) {
        if (node == 1 && wave == 5) {
            restarter = std::thread([&] {
                const auto start = Clock::now();
                try {
                    cluster.pg().restart();
                } catch (...) {
                    restart_error = std::current_exception();
                }
                restart_seconds = seconds_since(start);
                restart_done = Clock::now();
                restarted = true;
            });
        }
    };
    const auto flood_start = Clock::now();
    const auto sent = flood(cluster, plan, 1, options);
    const double flood_seconds = seconds_since(flood_start);
    const auto flood_end = Clock::now();
    if (restarter.joinable()) restarter.join();
    if (restart_error) std::rethrow_exception(restart_error);
    REQUIRE(restarted);
    CHECK(restart_done < flood_end);  // the database came back while requests were still flowing

    VerifyOptions verify_options;
    verify_options.retries_expected = true;
    const Report report = verify(cluster, policies, sent, verify_options);
    fmt::print("[PostgreSQL restart] flood {:.1f}s (restart took {:.1f}s), total {:.1f}s\n{}\n", flood_seconds,
               restart_seconds.load(), seconds_since(test_start), report.summary());
    if (!report.ok()) cluster.mark_failed();
    CHECK(report.failures.empty());
    CHECK(report.accepted > 1000);
    // The outage was felt: a batch failed and went through the retry topics, or a consumer reconnected.
    bool felt = report.retried > 0;
    for (int node = 1; node <= 3; ++node) {
        const std::string log = cluster.node_log(node);
        felt = felt || log.find("database failed a batch") != std::string::npos ||
               log.find("PostgreSQL connection lost") != std::string::npos;
    }
    CHECK(felt);
    // Every FAILED request is accounted for as an outcome; the rest sold out normally.
    CHECK(report.issued.at(p1) == 50);
    CHECK(report.issued.at(p2) == 100);
    CHECK(report.issued.at(p3) == 150);
    CHECK(report.issued.at(large) > 500);
}
