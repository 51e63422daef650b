// Liveness, readiness and metrics: what an orchestrator and Prometheus poll.
#include <boost/json.hpp>

#include "coupon/base/log.hpp"
#include "coupon/base/metrics.hpp"
#include "handlers.hpp"

namespace coupon::http {

Handler make_health_handler() {
    return [](Request&&, Respond respond) { respond(json_response(200, R"({"status":"UP"})")); };
}

Handler make_ready_handler(Context context) {
    return [context](Request&&, Respond respond) {
        ReadyReport report{true, {}};
        if (context->deps.ready) {
            try {
                report = context->deps.ready();
            } catch (const std::exception& e) {
                report = ReadyReport{false, {{"readiness", std::string("DOWN: ") + e.what()}}};
            }
        }
        boost::json::object components;
        for (const auto& [name, state] : report.components) components[name] = state;
        boost::json::object body{{"status", report.ready ? "UP" : "DOWN"}, {"components", std::move(components)}};
        respond(json_response(report.ready ? 200 : 503, boost::json::serialize(body)));
    };
}

Handler make_metrics_handler() {
    return [](Request&&, Respond respond) {
        Response response;
        response.headers.set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
        response.body = base::Metrics::global().render();
        respond(std::move(response));
    };
}

}  // namespace coupon::http
