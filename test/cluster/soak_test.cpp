// The soak (issue 8, "Proof under sanitizers"): minutes of mixed load on two nodes (synchronous and
// `Prefer: respond-async` POSTs, sold-out and unknown policies, GETs of statuses, policies and coupon lists),
// with PostgreSQL restarted at a third of the run and node 2 restarted (SIGTERM, start) at a half. Checks:
//  - node 1's resident memory is flat: the highest sample of the last third is at most the highest of the
//    first third * 1.2 + 16 MiB (the first third holds the warm-up: pools, caches, the board filling);
//  - what grows per request comes back: outcome waiters, open connections, producer queues and the lag are
//    at their idle values once the load stops;
//  - every accepted request is decided, and the cluster invariants hold (invariants.hpp).
// Hidden from ctest ([.soak]): scripts/soak runs it, for COUPON_SOAK_SECONDS (default 600) of load.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <atomic>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <regex>
#include <thread>

#include "cluster_fixture.hpp"
#include "eventually.hpp"
#include "flood.hpp"
#include "invariants.hpp"

using namespace coupon::test;
using namespace std::chrono_literals;

namespace {

// VmRSS of a process in KiB; 0 when it is gone.
std::int64_t rss_kib(pid_t pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
    }
    return 0;
}

// The sum of every sample of `name` in a scrape (all label sets); -1 when there is none.
std::int64_t metric_sum(const std::string& scrape, const std::string& name) {
    const std::regex line("(^|\n)" + name + R"((\{[^}]*\})? (-?[0-9.e+]+))");
    std::int64_t sum = -1;
    for (std::sregex_iterator it(scrape.begin(), scrape.end(), line), end; it != end; ++it) {
        sum = std::max<std::int64_t>(sum, 0) + static_cast<std::int64_t>(std::stod((*it)[3].str()));
    }
    return sum;
}

int soak_seconds() {
    const char* env = std::getenv("COUPON_SOAK_SECONDS");
    const int seconds = env != nullptr && *env != '\0' ? std::atoi(env) : 600;
    return std::max(seconds, 30);
}

}  // namespace

TEST_CASE("soak: mixed load with a database and a node restart, memory flat, gauges back, every request decided",
          "[.soak][cluster]") {
    const int seconds = soak_seconds();
    const auto start = Clock::now();
    const auto deadline = start + std::chrono::seconds(seconds);
    ClusterOptions cluster_options;
    cluster_options.own_pg_server = true;  // restarted below
    Cluster cluster(cluster_options);
    cluster.start_nodes({1, 2});

    const std::int64_t small = cluster.create_policy(1, "stock 100", 100);
    const std::int64_t medium = cluster.create_policy(2, "stock 2000", 2000);
    const std::int64_t unknown = 999999;
    std::vector<PolicySpec> policies{{small, 100, PolicySpec::Kind::Open},
                                     {medium, 2000, PolicySpec::Kind::Open},
                                     {unknown, 0, PolicySpec::Kind::Unknown}};
    // The open-ended load goes to several large policies, so to several partitions: the embedded broker keeps
    // at most 5 MiB per partition and trims the oldest records past it (DESIGN.md section 7; seen: one hot
    // partition lost its first 1,370 of about 82,000 records in a 10-minute soak, consumed long before, but
    // then missing from the audit's read of the topic).
    std::vector<std::pair<std::int64_t, double>> weights{{small, 0.1}, {medium, 0.2}, {unknown, 0.05}};
    for (int k = 0; k < 8; ++k) {
        const std::int64_t large = cluster.create_policy(1 + k % 2, fmt::format("stock 10000000 #{}", k), 10'000'000);
        policies.push_back({large, 10'000'000, PolicySpec::Kind::Open});
        weights.emplace_back(large, 0.65 / 8);
    }
    const std::int64_t large = policies.back().id;  // read by the GETs

    // Memory of node 1 (never restarted), every 3 s.
    std::atomic<bool> done{false};
    std::vector<std::int64_t> rss;
    std::mutex rss_mutex;
    const pid_t node1 = cluster.pid(1);
    std::thread sampler([&] {
        while (!done.load()) {
            const std::int64_t kib = rss_kib(node1);
            {
                std::lock_guard lock(rss_mutex);
                rss.push_back(kib);
            }
            for (int i = 0; i < 30 && !done.load(); ++i) std::this_thread::sleep_for(100ms);
        }
    });
    // Reads on both nodes alongside the POSTs.
    std::atomic<std::int64_t> reads{0}, read_errors{0};
    std::thread reader([&] {
        std::mt19937_64 rng(7);
        std::uniform_int_distribution<std::int64_t> user(1, 200000);
        for (int i = 0; !done.load(); ++i) {
            const int node = 1 + i % 2;
            if (cluster.port(node) == 0) continue;  // node 2 starting again (the port is an atomic)
            const std::string target = i % 3 == 0   ? fmt::format("/api/coupon-policies/{}", i % 2 ? small : large)
                                       : i % 3 == 1 ? fmt::format("/api/users/{}/coupons", user(rng))
                                                    : "/api/coupon-requests/unknown-request-id";
            const HttpReply reply = http(cluster.port(node), {"GET", target, "", {}}, 5000);
            ++reads;
            if (reply.status != 200 && reply.status != 404) ++read_errors;  // 0 while node 2 restarts counts too
            std::this_thread::sleep_for(50ms);
        }
    });

    std::mt19937_64 rng(20261129);
    std::vector<Sent> sent;
    FloodOptions options;
    options.wave = 20;
    options.pause_ms = 100;
    options.async_every = 3;
    bool pg_restarted = false, node_restarted = false;
    std::thread pg_restarter;
    std::exception_ptr pg_error;
    int phase = 0;
    while (Clock::now() < deadline) {
        const double elapsed = seconds_since(start);
        if (!pg_restarted && elapsed > seconds / 3.0) {
            pg_restarted = true;
            pg_restarter = std::thread([&] {
                try {
                    cluster.pg().restart();
                } catch (...) {
                    pg_error = std::current_exception();
                }
            });
        }
        std::vector<int> nodes{1, 2};
        if (!node_restarted && elapsed > seconds / 2.0) {
            node_restarted = true;
            CHECK(cluster.stop_node(2) == 0);
            cluster.spawn_nodes({2});  // on this thread: the process dies with the thread that spawned it
            nodes = {1};               // while it starts, node 1 takes the load
            for (int i = 0; i < 4; ++i) {
                const auto plan = make_plan(rng, 120, 200000, weights, nodes);
                auto part = flood(cluster, plan, ++phase, options);
                sent.insert(sent.end(), part.begin(), part.end());
            }
            cluster.wait_ready({2});
        }
        const auto plan = make_plan(rng, 240, 200000, weights, nodes);
        auto part = flood(cluster, plan, ++phase, options);
        sent.insert(sent.end(), part.begin(), part.end());
    }
    if (pg_restarter.joinable()) pg_restarter.join();
    if (pg_error) std::rethrow_exception(pg_error);
    const double load_seconds = seconds_since(start);

    VerifyOptions verify_options;
    verify_options.retries_expected = true;
    const Report report = verify(cluster, policies, sent, verify_options);
    done = true;
    sampler.join();
    reader.join();

    // What grows with requests in flight is back at its idle value (statistics gauges refresh every 5 s).
    std::string scrape;
    auto idle = [&] {
        scrape = cluster.get(1, "/metrics").body;
        return metric_sum(scrape, "coupon_http_outcome_waiters") == 0 &&
               metric_sum(scrape, "coupon_http_open_connections") <= 1 &&  // this scrape's own
               metric_sum(scrape, "coupon_kafka_producer_queue_messages") == 0 &&
               metric_sum(scrape, "kafka_consumergroup_lag") <= 0;
    };
    const bool back_to_idle = eventually(idle, 30s, 500ms);

    std::vector<std::int64_t> samples;
    {
        std::lock_guard lock(rss_mutex);
        samples = rss;
    }
    const std::size_t third = samples.size() / 3;
    std::int64_t first_max = 0, last_max = 0;
    for (std::size_t i = 0; i < third; ++i) first_max = std::max(first_max, samples[i]);
    for (std::size_t i = samples.size() - third; i < samples.size(); ++i) last_max = std::max(last_max, samples[i]);
    const std::int64_t allowed = first_max * 12 / 10 + 16 * 1024;
    std::string series;
    for (const auto kib : samples) series += fmt::format("{} ", kib / 1024);

    fmt::print("[soak {} s] load {:.0f} s, {} POSTs, {} GETs ({} not 200/404), node 1 RSS MiB: {}\n"
               "RSS first third max {} MiB, last third max {} MiB (allowed {} MiB)\n{}\n",
               seconds, load_seconds, sent.size(), reads.load(), read_errors.load(), series, first_max / 1024,
               last_max / 1024, allowed / 1024, report.summary());
    if (!report.ok() || !back_to_idle) cluster.mark_failed();
    CHECK(report.failures.empty());
    CHECK(report.accepted > sent.size() / 4);
    CHECK(samples.size() >= 9);
    CHECK(last_max <= allowed);
    INFO(scrape);
    CHECK(back_to_idle);
    CHECK(pg_restarted);
    CHECK(node_restarted);
}
