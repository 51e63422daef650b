#include "operator_overview.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <map>

#include "coupon/base/metrics.hpp"
#include "coupon/base/time_format.hpp"
#include "coupon/http/admin_auth.hpp"
#include "coupon/http/outcome_board.hpp"
#include "json_views.hpp"

namespace coupon::http {
namespace {

// The page shows the newest policies; the scan is bounded so a node with years of sales answers as fast.
constexpr std::size_t kPolicyScan = 1000;
constexpr std::size_t kPoliciesShown = 20;

// The value of `name` in a Prometheus label set such as policy="1",outcome="ISSUED" (our own labels: values
// hold no quotes).
std::string label(const std::string& labels, std::string_view name) {
    const std::string key = std::string(name) + "=\"";
    std::size_t at = 0;
    while ((at = labels.find(key, at)) != std::string::npos) {
        if (at == 0 || labels[at - 1] == ',') {
            const auto start = at + key.size();
            const auto end = labels.find('"', start);
            return end == std::string::npos ? std::string() : labels.substr(start, end - start);
        }
        at += key.size();
    }
    return {};
}

double single(const base::Metrics& metrics, const std::string& name, double otherwise) {
    const auto samples = metrics.samples(name);
    return samples.empty() ? otherwise : samples.front().value;
}

// Partitions by (group, topic, partition), with the lag in records and in seconds when known.
boost::json::array partitions_json(const base::Metrics& metrics) {
    std::map<std::tuple<std::string, std::string, int>, boost::json::object> rows;
    const auto row = [&](const std::string& labels) -> boost::json::object& {
        const std::string part = label(labels, "partition");
        auto& r = rows[{label(labels, "consumergroup"), label(labels, "topic"), part.empty() ? -1 : std::stoi(part)}];
        if (r.empty()) {
            r["group"] = label(labels, "consumergroup");
            r["topic"] = label(labels, "topic");
            r["partition"] = part.empty() ? -1 : std::stoi(part);
            r["lag"] = nullptr;
            r["lagSeconds"] = nullptr;
        }
        return r;
    };
    for (const auto& s : metrics.samples("kafka_consumergroup_lag")) row(s.labels)["lag"] = static_cast<std::int64_t>(s.value);
    for (const auto& s : metrics.samples("coupon_kafka_consumergroup_lag_seconds")) row(s.labels)["lagSeconds"] = s.value;
    boost::json::array out;
    for (auto& [key, r] : rows) out.push_back(std::move(r));
    return out;
}

}  // namespace

std::string operator_overview_json(const ApiContext& context) {
    const auto& metrics = base::Metrics::global();
    metrics.refresh();  // readiness and the waiters are computed at read time
    boost::json::object outcomes;
    std::map<std::string, boost::json::object> by_policy;
    for (const auto& s : metrics.samples("coupon_issue_outcomes_total")) {
        const std::string outcome = label(s.labels, "outcome");
        const auto n = static_cast<std::int64_t>(s.value);
        outcomes[outcome] = (outcomes.contains(outcome) ? outcomes[outcome].as_int64() : 0) + n;
        by_policy[label(s.labels, "policy")][outcome] = n;
    }

    // Answered at the edge without a consumer (docs/edge-answers.md): by error code.
    boost::json::object edge;
    for (const auto& s : metrics.samples("coupon_http_edge_answers_total")) {
        edge[label(s.labels, "outcome")] = static_cast<std::int64_t>(s.value);
    }

    auto policies = context.deps.queries.policies_after(0, kPolicyScan);
    const auto first = policies.size() > kPoliciesShown ? policies.end() - kPoliciesShown : policies.begin();
    boost::json::array shown;
    for (auto it = policies.rbegin(); it != std::make_reverse_iterator(first); ++it) {
        auto p = policy_json(*it);
        const auto found = by_policy.find(std::to_string(it->id));
        p["outcomes"] = found == by_policy.end() ? boost::json::object() : found->second;
        // When the last coupon went: the decision time of the first result this node read with none left.
        const auto stock = context.deps.board.stock(it->id);
        p["soldOutAt"] = stock && stock->sold_out_at ? boost::json::value(base::format_time(*stock->sold_out_at))
                                                     : boost::json::value(nullptr);
        shown.push_back(std::move(p));
    }

    const auto now = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    const double ready = single(metrics, "coupon_ready", -1);
    boost::json::object body{
        {"time", base::format_time(now)},
        {"ready", ready < 0 ? boost::json::value(nullptr) : boost::json::value(ready == 1)},
        {"outcomes", std::move(outcomes)},
        {"edgeAnswers", std::move(edge)},
        {"policies", std::move(shown)},
        {"partitions", partitions_json(metrics)},
        {"deadLetters", static_cast<std::int64_t>(single(metrics, "coupon_dead_letters_total", 0))},
    };
    return boost::json::serialize(body);
}

Handler make_operator_overview_handler(Context context) {
    return [context](Request&& request, Respond respond) {
        if (auto denied = check_admin(context->config.admin_token, request, context->auth.get())) {
            return void(respond(std::move(*denied)));
        }
        respond(json_response(200, operator_overview_json(*context)));
    };
}

}  // namespace coupon::http
