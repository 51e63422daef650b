// What an operator's Prometheus sees: the series of a real server after real requests, and every metric the
// shipped Grafana dashboard and alerting rules name (docs/dashboards, docs/alerts) present in that scrape.
#include <catch2/catch.hpp>
#include <yaml-cpp/yaml.h>

#include <csignal>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "e2e_fixture.hpp"
#include "eventually.hpp"

using namespace coupon::test;

namespace {

// A scrape once the lag gauges are there: they come with librdkafka's statistics (every 5 s) for the
// partitions this node owns. The last scrape when they never came (the test's checks then say what is missing).
std::string scrape_with_lag_gauges(const RunningServer& server) {
    std::string scrape;
    eventually(
        [&] {
            scrape = server.get("/metrics").body;
            return scrape.find("\ncoupon_kafka_consumergroup_lag_seconds{") != std::string::npos;
        },
        std::chrono::seconds(20), std::chrono::milliseconds(250));
    return scrape;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// Metric families of a scrape by their "# TYPE" lines: name -> type.
std::map<std::string, std::string> families(const std::string& scrape) {
    std::map<std::string, std::string> out;
    std::istringstream lines(scrape);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.rfind("# TYPE ", 0) != 0) continue;
        std::istringstream words(line.substr(7));
        std::string name, type;
        words >> name >> type;
        out[name] = type;
    }
    return out;
}

// The value of the first sample line that starts with `series` (name and labels exactly), or -1.
double sample(const std::string& scrape, const std::string& series) {
    const auto at = scrape.find("\n" + series + " ");
    if (at == std::string::npos) return -1;
    return std::stod(scrape.substr(at + series.size() + 2));
}

// Metric names in a PromQL expression: ours start with coupon_, kafka_exporter's with kafka_consumergroup_.
// Label values here never contain them (topics and routes use '-' and '/').
std::set<std::string> metric_names(const std::string& expr) {
    static const std::regex name(R"(\b(coupon_[a-z0-9_]+|kafka_consumergroup_[a-z0-9_]+)\b)");
    std::set<std::string> out;
    for (auto it = std::sregex_iterator(expr.begin(), expr.end(), name); it != std::sregex_iterator(); ++it) {
        out.insert((*it)[1]);
    }
    return out;
}

// Every query anywhere in the dashboard's JSON (panels, rows of panels, template variables).
void collect_exprs(const boost::json::value& v, std::vector<std::string>& out) {
    if (v.is_object()) {
        for (const auto& [key, member] : v.as_object()) {
            // Panel queries, and template variables' label_values(metric, label) (not the datasource's "prometheus").
            const bool query = key == "expr" || (key == "query" && member.is_string() &&
                                                 member.as_string().starts_with("label_values("));
            if (query && member.is_string()) out.emplace_back(member.as_string());
            collect_exprs(member, out);
        }
    } else if (v.is_array()) {
        for (const auto& item : v.as_array()) collect_exprs(item, out);
    }
}

// Whether `name` is a family of the scrape, or a histogram's _bucket / _sum / _count.
bool exported(const std::map<std::string, std::string>& types, const std::string& name) {
    if (types.count(name)) return true;
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
        const std::string s(suffix);
        if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
            auto it = types.find(name.substr(0, name.size() - s.size()));
            if (it != types.end() && it->second == "histogram") return true;
        }
    }
    return false;
}

}  // namespace

TEST_CASE("a real server exports latency, outcomes, stock, lag and readiness after one issue request",
          "[e2e][metrics]") {
    RunningServer server;
    const std::int64_t policy = server.create_policy(5);
    const std::string p = std::to_string(policy);
    REQUIRE(server.post("/api/coupons/11", R"({"couponPolicyId":)" + p + "}").status == 200);
    // An id no policy has: counted, but under policy="other" (it must not take one of the bounded slots).
    REQUIRE(server.post("/api/coupons/12", R"({"couponPolicyId":987654})").status == 404);

    const std::string scrape = scrape_with_lag_gauges(server);
    INFO(scrape);
    CHECK(sample(scrape, R"(coupon_issue_outcomes_total{policy=")" + p + R"(",outcome="ISSUED"})") == 1);
    CHECK(sample(scrape, R"(coupon_issue_outcomes_total{policy=")" + p + R"(",outcome="SOLD_OUT"})") == 0);
    CHECK(sample(scrape, R"(coupon_issue_outcomes_total{policy="other",outcome="NOT_FOUND"})") == 1);
    CHECK(scrape.find(R"(policy="987654")") == std::string::npos);
    CHECK(sample(scrape, R"(coupon_policy_remaining_stock{policy=")" + p + R"("})") == 4);
    CHECK(sample(scrape, R"(coupon_issue_accept_to_outcome_seconds_count{topic="coupon-issue-topic"})") == 2);
    CHECK(sample(scrape, R"(coupon_consumer_batch_records_count{topic="coupon-issue-topic"})") >= 1);
    CHECK(sample(scrape, R"(coupon_consumer_transaction_seconds_count{topic="coupon-issue-topic"})") >= 1);
    // A quiet node sends its requests through the quiet producer (KafkaConfig::send_at_once_below_per_s).
    CHECK(sample(scrape, R"(coupon_kafka_produce_delivery_seconds_count{producer="requests-quiet"})") >= 2);
    CHECK(sample(scrape, R"(coupon_kafka_produce_delivery_seconds_count{producer="requests"})") == 0);
    CHECK(sample(scrape, R"(coupon_kafka_produce_delivery_seconds_count{producer="results"})") >= 2);
    CHECK(sample(scrape, R"(coupon_http_request_duration_seconds_count{route="POST /api/coupons/{userId}",status_class="2xx"})") == 1);
    CHECK(sample(scrape, R"(coupon_http_request_duration_seconds_count{route="POST /api/coupons/{userId}",status_class="4xx"})") == 1);
    CHECK(sample(scrape, R"(coupon_kafka_rebalances_total{topic="coupon-issue-topic",event="assigned"})") >= 1);
    CHECK(sample(scrape, "coupon_ready") == 1);
    CHECK(sample(scrape, R"(coupon_kafka_producer_queue_messages{producer="requests"})") >= 0);
    CHECK(scrape.find("\ncoupon_kafka_broker_rtt_seconds{producer=") != std::string::npos);
    // Everything decided and committed: no lag, in records or in seconds, on the partitions exported.
    CHECK(scrape.find("\nkafka_consumergroup_lag{") != std::string::npos);
    CHECK(scrape.find("\ncoupon_kafka_consumergroup_lag_seconds{") != std::string::npos);

    // Draining: readiness goes to 0 at once (load balancers and the NodeNotReady alert see it).
    CHECK(server.process->stop(SIGTERM) == 0);
}

TEST_CASE("metrics.policy_series bounds the policies with series of their own", "[e2e][metrics]") {
    RunningServer server(std::map<std::string, std::string>{{"COUPON_METRICS_POLICY_SERIES", "1"}});
    const std::string first = std::to_string(server.create_policy(5));
    const std::string second = std::to_string(server.create_policy(5));
    REQUIRE(server.post("/api/coupons/21", R"({"couponPolicyId":)" + first + "}").status == 200);
    REQUIRE(server.post("/api/coupons/22", R"({"couponPolicyId":)" + second + "}").status == 200);

    const std::string scrape = server.get("/metrics").body;
    INFO(scrape);
    CHECK(sample(scrape, R"(coupon_issue_outcomes_total{policy=")" + first + R"(",outcome="ISSUED"})") == 1);
    CHECK(sample(scrape, R"(coupon_policy_remaining_stock{policy=")" + first + R"("})") == 4);
    // The second policy is past the bound of 1: no series of its own, counted under "other".
    CHECK(scrape.find(R"(policy=")" + second + R"(")") == std::string::npos);
    CHECK(sample(scrape, R"(coupon_issue_outcomes_total{policy="other",outcome="ISSUED"})") == 1);
    CHECK(server.process->stop(SIGTERM) == 0);
}

TEST_CASE("every metric the Grafana dashboard and the alerting rules name exists in a real scrape",
          "[e2e][metrics]") {
    const std::string root = COUPON_SOURCE_DIR;
    std::vector<std::string> dashboard_exprs;
    collect_exprs(boost::json::parse(read_file(root + "/docs/dashboards/coupon-server.json")), dashboard_exprs);
    REQUIRE(dashboard_exprs.size() >= 10);

    const YAML::Node rules = YAML::LoadFile(root + "/docs/alerts/coupon-server.rules.yml");
    std::vector<std::pair<std::string, std::string>> alert_exprs;  // alert name, expression
    for (const auto& group : rules["groups"]) {
        REQUIRE(group["name"]);
        for (const auto& rule : group["rules"]) {
            REQUIRE(rule["alert"]);
            REQUIRE(rule["expr"]);
            REQUIRE(rule["annotations"]["summary"]);
            alert_exprs.emplace_back(rule["alert"].as<std::string>(), rule["expr"].as<std::string>());
        }
    }
    std::set<std::string> alerts;
    for (const auto& [name, expr] : alert_exprs) alerts.insert(name);
    for (const char* wanted : {"CouponConsumerLagGrowing", "CouponDeadLetters", "CouponNodeNotReady",
                               "CouponSoldOutNotShortCircuited", "CouponDeadLetterWebhookFailing"}) {
        CHECK(alerts.count(wanted) == 1);
    }

    // One request, so the series created on first use exist; then wait for the lag gauges (statistics).
    RunningServer server;
    const std::int64_t policy = server.create_policy(5);
    REQUIRE(server.post("/api/coupons/21", R"({"couponPolicyId":)" + std::to_string(policy) + "}").status == 200);
    const std::string scrape = scrape_with_lag_gauges(server);
    const auto types = families(scrape);

    std::set<std::string> named;
    for (const auto& expr : dashboard_exprs) {
        const auto names = metric_names(expr);
        INFO("dashboard expression: " << expr);
        CHECK_FALSE(names.empty());
        named.insert(names.begin(), names.end());
    }
    for (const auto& [alert, expr] : alert_exprs) {
        const auto names = metric_names(expr);
        INFO("alert " << alert << ": " << expr);
        CHECK_FALSE(names.empty());
        named.insert(names.begin(), names.end());
    }
    REQUIRE(named.size() >= 15);
    for (const auto& name : named) {
        INFO(name << " is named by the dashboard or an alert but is not in the scrape");
        CHECK(exported(types, name));
    }
    CHECK(server.process->stop(SIGTERM) == 0);
}
