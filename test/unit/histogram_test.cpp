// The latency histogram behind coupon_http_request_duration_seconds: Prometheus's cumulative buckets.
#include <catch2/catch.hpp>

#include <thread>
#include <vector>

#include "coupon/base/metrics.hpp"

using coupon::base::Histogram;
using namespace std::chrono_literals;

TEST_CASE("histogram: observations land in cumulative buckets with sum and count", "[unit][metrics]") {
    Histogram h({0.001, 0.01, 0.1});
    h.observe(500us);   // <= 1 ms
    h.observe(1ms);     // <= 1 ms (a bound is inclusive, as Prometheus's le)
    h.observe(7ms);     // <= 10 ms
    h.observe(2s);      // +Inf only
    h.observe(-5ms);    // a clock step backwards counts as 0
    const std::string text = h.render("x_seconds", R"(route="GET /a")");
    CHECK(text ==
          "x_seconds_bucket{route=\"GET /a\",le=\"0.001\"} 3\n"
          "x_seconds_bucket{route=\"GET /a\",le=\"0.01\"} 4\n"
          "x_seconds_bucket{route=\"GET /a\",le=\"0.1\"} 4\n"
          "x_seconds_bucket{route=\"GET /a\",le=\"+Inf\"} 5\n"
          "x_seconds_sum{route=\"GET /a\"} 2.0085\n"
          "x_seconds_count{route=\"GET /a\"} 5\n");
    Histogram bare({1});
    CHECK(bare.render("y", "") == "y_bucket{le=\"1\"} 0\ny_bucket{le=\"+Inf\"} 0\ny_sum 0\ny_count 0\n");
}

TEST_CASE("histogram: concurrent observations are all counted", "[unit][metrics]") {
    Histogram h(Histogram::latency_buckets());
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&h, t] {
            for (int i = 0; i < 10'000; ++i) h.observe(std::chrono::microseconds(100 * (i % 50) + t));
        });
    }
    for (auto& thread : threads) thread.join();
    const std::string text = h.render("z", "");
    CHECK(text.find("z_bucket{le=\"+Inf\"} 40000\n") != std::string::npos);
    CHECK(text.find("z_count 40000\n") != std::string::npos);
}

TEST_CASE("histogram: a count histogram takes plain numbers and renders them unscaled", "[unit][metrics]") {
    Histogram h({1, 10, 100}, Histogram::Unit::Count);
    h.observe_count(1);    // <= 1
    h.observe_count(7);    // <= 10
    h.observe_count(10);   // <= 10 (inclusive)
    h.observe_count(500);  // +Inf
    CHECK(h.render("batch_records", R"(topic="t")") ==
          "batch_records_bucket{topic=\"t\",le=\"1\"} 1\n"
          "batch_records_bucket{topic=\"t\",le=\"10\"} 3\n"
          "batch_records_bucket{topic=\"t\",le=\"100\"} 3\n"
          "batch_records_bucket{topic=\"t\",le=\"+Inf\"} 4\n"
          "batch_records_sum{topic=\"t\"} 518\n"
          "batch_records_count{topic=\"t\"} 4\n");
}

TEST_CASE("metrics: a refresher runs before each render until its handle is gone", "[unit][metrics]") {
    coupon::base::Metrics metrics;
    auto& gauge = metrics.gauge("refreshed_gauge", "a gauge computed at scrape time");
    int runs = 0;
    {
        const auto handle = metrics.on_render([&] { gauge.store(++runs); });
        CHECK(metrics.render().find("refreshed_gauge 1\n") != std::string::npos);
        CHECK(metrics.render().find("refreshed_gauge 2\n") != std::string::npos);
    }
    CHECK(metrics.render().find("refreshed_gauge 2\n") != std::string::npos);
    CHECK(runs == 2);
}

TEST_CASE("metrics: a scaled gauge is stored in steps and rendered in its unit", "[unit][metrics]") {
    coupon::base::Metrics metrics;
    metrics.scaled_gauge("rtt_seconds", "a round trip", R"(broker="b1")", 1e6).store(2500);  // 2.5 ms in us
    metrics.gauge("plain", "an integer gauge").store(7);
    const std::string text = metrics.render();
    CHECK(text.find("rtt_seconds{broker=\"b1\"} 0.0025\n") != std::string::npos);
    CHECK(text.find("plain 7\n") != std::string::npos);
}

TEST_CASE("metrics: samples of one family, scaled, refreshed on request and without absent gauges", "[unit][metrics]") {
    coupon::base::Metrics metrics;
    auto& refreshed = metrics.gauge("lag", "a gauge computed at scrape time", R"(partition="0")");
    metrics.gauge("lag", "a gauge computed at scrape time", R"(partition="1")").store(coupon::base::Metrics::kAbsent);
    metrics.scaled_gauge("rtt_seconds", "a round trip", R"(broker="b1")", 1e6).store(2500);
    const auto handle = metrics.on_render([&] { refreshed.store(42); });
    metrics.refresh();
    const auto lag = metrics.samples("lag");
    REQUIRE(lag.size() == 1);
    CHECK(lag[0].labels == R"(partition="0")");
    CHECK(lag[0].value == 42);
    const auto rtt = metrics.samples("rtt_seconds");
    REQUIRE(rtt.size() == 1);
    CHECK(rtt[0].value == 0.0025);
    CHECK(metrics.samples("no_such_family").empty());
}
