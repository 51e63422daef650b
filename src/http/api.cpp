#include "coupon/http/api.hpp"

#include <memory>

#include "coupon/base/log.hpp"
#include "authenticator.hpp"
#include "coupon/base/job_pool.hpp"
#include "edge_limits.hpp"
#include "event_streams.hpp"
#include "coupon/base/metrics.hpp"
#include "handlers.hpp"
#include "operator_overview.hpp"
#include "policy_catalog.hpp"

namespace coupon::http {
namespace {

constexpr std::size_t kReplayQueue = 64;  // replays waiting for the one replay thread; beyond it 503

// Runs `handler` on the blocking pool. The I/O thread only queues it: a full queue answers 503 at once.
Handler off_io(const std::shared_ptr<BlockingPool>& pool, const HttpConfig& config, Handler handler) {
    auto& refused = base::Metrics::global().counter(
        "coupon_http_blocking_refused_total", "requests answered 503 because the blocking pool's queue was full");
    return [pool, retry_after = config.retry_after_seconds, handler = std::move(handler), &refused](
               Request&& request, Respond respond) {
        // The handler is copied into the job: the pool outlives no route, but a job must not depend on that.
        const bool queued = pool->post([handler, request = std::move(request), respond]() mutable {
            call_guarded(handler, std::move(request), respond);
        });
        if (queued) return;
        refused.fetch_add(1, std::memory_order_relaxed);
        auto busy = error_response(503, "SERVICE_BUSY", "too many requests waiting for the database, retry shortly");
        busy.headers.set("Retry-After", std::to_string(retry_after));
        respond(std::move(busy));
    };
}

// The route keeps `owned` alive (the handler itself holds it weakly: a feed's callbacks may outlive a route).
template <typename T>
Handler own(std::shared_ptr<T> owned, Handler handler) {
    return [owned = std::move(owned), handler = std::move(handler)](Request&& request, Respond respond) {
        (void)owned;
        handler(std::move(request), std::move(respond));
    };
}

}  // namespace

Router make_routes(ApiDeps deps, const HttpConfig& config) {
    std::shared_ptr<const Authenticator> auth = make_authenticator(config.auth);  // throws for an unusable key
    auto context = std::make_shared<const ApiContext>(ApiContext{deps, config, std::move(auth),
                                                                 EdgeLimits::make(config.limits),
                                                                 std::make_shared<PolicyCatalog>()});
    // Owned by the routes, like the replay worker: destroying the server joins its threads.
    auto pool = std::make_shared<BlockingPool>(config.blocking_threads, config.blocking_queue, "blocking");
    const auto blocking = [&pool, &config](Handler handler) { return off_io(pool, config, std::move(handler)); };
    Router router;
    // The issue path only talks to the producer (which never blocks) and the board and catalog (memory): it
    // stays on the I/O thread, and reads a policy the catalog does not know on the pool. Everything else
    // that reaches the database goes to the pool too.
    router.add("POST", "/api/coupons/{userId}", make_issue_handler(context, pool));
    router.add("GET", "/api/coupon-requests/{requestId}", blocking(make_request_status_handler(context)));
    // Server-Sent Events: the streams (and their ticker thread) are owned by the routes, like the pool.
    auto streams = std::make_shared<EventStreams>(
        EventStreams::Limits{config.max_event_streams, config.event_stream_lifetime});
    router.add("GET", "/api/coupon-requests/{requestId}/events",
               blocking(own(streams, make_request_events_handler(context, streams))));
    router.add("GET", "/api/users/{userId}/coupons", blocking(make_user_coupons_handler(context)));
    router.add("POST", "/api/coupon-policies", blocking(make_policy_create_handler(context)));
    router.add("GET", "/api/coupon-policies/{id}", blocking(make_policy_get_handler(context)));
    router.add("GET", "/api/coupon-policies/{id}/events",
               blocking(own(streams, make_policy_events_handler(context, streams))));
    router.add("GET", "/api/coupon-policies", blocking(make_policy_list_handler(context)));
    router.add("PATCH", "/api/coupon-policies/{id}", blocking(make_policy_edit_handler(context)));
    router.add("POST", "/api/coupon-policies/{id}/pause",
               blocking(make_policy_action_handler(context, domain::PolicyAction::Pause)));
    router.add("POST", "/api/coupon-policies/{id}/resume",
               blocking(make_policy_action_handler(context, domain::PolicyAction::Resume)));
    router.add("POST", "/api/coupon-policies/{id}/close",
               blocking(make_policy_action_handler(context, domain::PolicyAction::Close)));
    router.add("GET", "/api/coupon-policies/{id}/changes", blocking(make_policy_changes_handler(context)));
    router.add("GET", "/api/admin/dead-letters", blocking(make_dead_letter_list_handler(context)));
    // The worker (a thread) exists only when there is something to replay with; the routes own it, so
    // destroying the server joins it.
    auto worker = deps.dead_letters != nullptr && deps.replayer != nullptr
                      ? std::make_shared<ReplayWorker>(1, kReplayQueue, "replay", ReplayWorker::OnStop::RunQueued)
                      : nullptr;
    router.add("POST", "/api/admin/dead-letters/replay", make_dead_letter_replay_all_handler(context, worker));
    router.add("POST", "/api/admin/dead-letters/{id}/replay", make_dead_letter_replay_handler(context, worker));
    router.add("GET", "/health", make_health_handler());
    router.add("GET", "/ready", blocking(make_ready_handler(context)));  // it pings the database
    router.add("GET", "/metrics", make_metrics_handler());
    router.add("GET", "/openapi.yaml", make_openapi_handler());
    router.add("GET", "/api/admin/overview", blocking(make_operator_overview_handler(context)));
    router.add("GET", "/api/admin/overview/events", own(streams, make_overview_events_handler(context, streams)));
    router.add("GET", "/admin", make_operator_page_handler());
    router.add("GET", "/demo", make_demo_page_handler());
    return router;
}

}  // namespace coupon::http
