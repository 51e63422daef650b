// The messaging module's own series, white-box (no broker needed): consumer lag in seconds from record
// timestamps, and outcomes / stock per policy with the bound on exported policies.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <string>

#include "consumer_lag.hpp"
#include "coupon/base/metrics.hpp"
#include "policy_metrics.hpp"
#include "producer_stats.hpp"

using namespace coupon;
using namespace coupon::messaging;

namespace {

// The value of the sample line `series` in a render, or -1 when the series is not rendered.
long long sample(const std::string& series) {
    const std::string text = "\n" + base::Metrics::global().render();
    const auto at = text.find("\n" + series + " ");
    return at == std::string::npos ? -1 : std::stoll(text.substr(at + series.size() + 2));
}

}  // namespace

TEST_CASE("lag in seconds: 0 without lag, else the age of the oldest record taken, else of the newest decided",
          "[metrics][lag]") {
    ConsumerLag lag("lag-seconds-group", "lag-seconds-topic");
    const auto series = [](int p, const char* name) {
        return fmt::format(R"({}{{consumergroup="lag-seconds-group",topic="lag-seconds-topic",partition="{}"}})", name,
                           p);
    };
    const std::int64_t now = 1'700'000'000'000;
    lag.taking(1, now - 30'500);   // taken into a batch, not decided yet
    lag.taking(1, now - 10'000);   // a later batch's first record: the oldest stays
    lag.decided(2, now - 12'000);  // decided; more records behind it, not fetched yet
    const std::string stats = R"({"topics":{"lag-seconds-topic":{"partitions":{
        "0":{"consumer_lag":0},"1":{"consumer_lag":7},"2":{"consumer_lag":3},"3":{"consumer_lag":9},
        "-1":{"consumer_lag":-1}}}}})";
    lag.on_statistics(stats, {0, 1, 2, 3}, now);
    CHECK(sample(series(0, "kafka_consumergroup_lag")) == 0);
    CHECK(sample(series(0, "coupon_kafka_consumergroup_lag_seconds")) == 0);
    CHECK(sample(series(1, "kafka_consumergroup_lag")) == 7);
    CHECK(sample(series(1, "coupon_kafka_consumergroup_lag_seconds")) == 30);
    CHECK(sample(series(2, "coupon_kafka_consumergroup_lag_seconds")) == 12);
    // Lag but no record seen: not known, not exported (rather than a made-up 0).
    CHECK(sample(series(3, "kafka_consumergroup_lag")) == 9);
    CHECK(sample(series(3, "coupon_kafka_consumergroup_lag_seconds")) == -1);

    lag.decided(1, now - 4'000);  // the batch was decided: its newest record is 4 s old
    lag.on_statistics(stats, {0, 1, 2, 3}, now + 1'000);
    CHECK(sample(series(1, "coupon_kafka_consumergroup_lag_seconds")) == 5);

    CHECK(sample(series(2, "coupon_kafka_consumergroup_lag_seconds")) == 13);  // a second later, still stuck

    lag.forget({1});  // revoked: the new owner exports it
    CHECK(sample(series(1, "kafka_consumergroup_lag")) == -1);
    CHECK(sample(series(1, "coupon_kafka_consumergroup_lag_seconds")) == -1);
    CHECK(sample(series(2, "coupon_kafka_consumergroup_lag_seconds")) == 13);
}

TEST_CASE("outcomes per policy: bounded, unknown ids and policies past the bound count as \"other\"",
          "[metrics][policy]") {
    PolicyMetrics::View view;
    const auto result = [](domain::PolicyId policy, domain::Outcome outcome, std::int64_t remaining) {
        domain::IssueResult r;
        r.policy_id = policy;
        r.outcome = outcome;
        r.remaining = remaining;
        return r;
    };
    const auto outcomes = [](const std::string& policy, const char* outcome) {
        return sample(fmt::format(R"(coupon_issue_outcomes_total{{policy="{}",outcome="{}"}})", policy, outcome));
    };
    const long long other_before = std::max(0LL, outcomes("other", "ISSUED"));

    // Stock only goes down: an older result read later (a redelivery) does not raise it.
    view.count(result(500'001, domain::Outcome::Issued, 5));
    view.count(result(500'001, domain::Outcome::AlreadyIssued, 7));
    CHECK(sample(R"(coupon_policy_remaining_stock{policy="500001"})") == 5);
    CHECK(outcomes("500001", "ISSUED") == 1);
    CHECK(outcomes("500001", "ALREADY_ISSUED") == 1);
    CHECK(outcomes("500001", "SOLD_OUT") == 0);  // every outcome of a policy exists from its first one

    // Any id may be sent: NOT_FOUND never takes a slot.
    view.count(result(999'999'999, domain::Outcome::NotFound, -1));
    CHECK(outcomes("999999999", "NOT_FOUND") == -1);
    CHECK(outcomes("other", "NOT_FOUND") >= 1);

    // More policies than the bound: the first ones get series, the rest count under "other".
    const int kPolicies = static_cast<int>(PolicyMetrics::global().max_policies()) + 50;
    // (Other tests in the same process may have taken slots before: count, do not assume.)
    int own = 0;
    int first_other = -1;
    for (int i = 0; i < kPolicies; ++i) view.count(result(600'000 + i, domain::Outcome::Issued, 10));
    for (int i = 0; i < kPolicies; ++i) {
        const bool has_own = outcomes(std::to_string(600'000 + i), "ISSUED") == 1;
        own += has_own;
        if (!has_own && first_other < 0) first_other = i;
        if (first_other >= 0) CHECK_FALSE(has_own);  // first come, first served: no slot frees up later
    }
    CHECK(own >= 1);
    CHECK(own <= static_cast<int>(PolicyMetrics::global().max_policies()) - 1);  // 500001 holds one
    CHECK(outcomes("other", "ISSUED") - other_before == kPolicies - own);
    CHECK(sample(fmt::format(R"(coupon_policy_remaining_stock{{policy="{}"}})", 600'000 + kPolicies - 1)) == -1);
}

TEST_CASE("producer statistics: queue depth and round trips per broker, bootstrap entries and idle windows skipped",
          "[metrics][producer]") {
    ProducerStats stats("stats-test");
    stats.on_statistics(R"({"msg_cnt":42,"brokers":{
        "k1:9092/1":{"nodeid":1,"rtt":{"avg":1500,"p99":8000}},
        "k2:9092/2":{"nodeid":2,"rtt":{"avg":0,"p99":0}},
        "k1:9092/bootstrap":{"nodeid":-1,"rtt":{"avg":900,"p99":900}}}})");
    const std::string text = "\n" + base::Metrics::global().render();
    CHECK(text.find("\ncoupon_kafka_producer_queue_messages{producer=\"stats-test\"} 42\n") != std::string::npos);
    CHECK(text.find("\ncoupon_kafka_broker_rtt_seconds{producer=\"stats-test\",broker=\"k1:9092/1\",stat=\"avg\"} 0.0015\n") !=
          std::string::npos);
    CHECK(text.find("\ncoupon_kafka_broker_rtt_seconds{producer=\"stats-test\",broker=\"k1:9092/1\",stat=\"p99\"} 0.008\n") !=
          std::string::npos);
    CHECK(text.find("broker=\"k2:9092/2\"") == std::string::npos);
    CHECK(text.find("bootstrap") == std::string::npos);
}
