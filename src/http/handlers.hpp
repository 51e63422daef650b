#pragma once
// The API's handlers, one factory per endpoint; make_routes() puts them in the table.
#include <cstdint>
#include <memory>
#include <optional>

#include "coupon/domain/policy_lifecycle.hpp"
#include "coupon/http/api.hpp"
#include "coupon/http/message.hpp"

namespace coupon::base {
class JobPool;
}  // namespace coupon::base

namespace coupon::http {

// Where handlers that may block (database queries, readiness probes) run, so the I/O threads only move
// bytes: a slow or locked database then delays the reads that need it, never the Kafka-only
// POST /api/coupons path, /health or /metrics. A full queue answers 503 with Retry-After.
using BlockingPool = base::JobPool;

class Authenticator;
class EventStreams;
class EdgeLimits;
class PolicyCatalog;

struct ApiContext {
    ApiDeps deps;
    HttpConfig config;
    std::shared_ptr<const Authenticator> auth;  // null: auth.mode=none
    std::shared_ptr<EdgeLimits> limits;         // null: http.limits off (no lookup on the request path)
    std::shared_ptr<PolicyCatalog> catalog;     // the policies this node has seen (edge answers)
};
using Context = std::shared_ptr<const ApiContext>;

// POST /api/coupons/{userId}. `pool` reads a policy the catalog does not know (null: never read).
Handler make_issue_handler(Context context, std::shared_ptr<BlockingPool> pool);
Handler make_request_status_handler(Context context);  // GET /api/coupon-requests/{requestId}
Handler make_user_coupons_handler(Context context);    // GET /api/users/{userId}/coupons
Handler make_policy_get_handler(Context context);      // GET /api/coupon-policies/{id}
Handler make_policy_create_handler(Context context);   // POST /api/coupon-policies (admin)
// GET /api/coupon-requests/{requestId}/events and GET /api/coupon-policies/{id}/events (Server-Sent Events).
Handler make_request_events_handler(Context context, std::weak_ptr<EventStreams> streams);
Handler make_policy_events_handler(Context context, std::weak_ptr<EventStreams> streams);
// GET /api/admin/overview/events (admin): the operator page's snapshot, twice a second.
Handler make_overview_events_handler(Context context, std::weak_ptr<EventStreams> streams);
// The policy lifecycle (admin; src/http/policy_lifecycle_routes.cpp, docs/policy-lifecycle.md).
Handler make_policy_list_handler(Context context);     // GET /api/coupon-policies?after=&limit=
Handler make_policy_action_handler(Context context, domain::PolicyAction action);  // POST .../{id}/pause|resume|close
Handler make_policy_edit_handler(Context context);     // PATCH /api/coupon-policies/{id}
Handler make_policy_changes_handler(Context context);  // GET /api/coupon-policies/{id}/changes
Handler make_health_handler();                         // GET /health
Handler make_ready_handler(Context context);           // GET /ready
Handler make_metrics_handler();                        // GET /metrics
Handler make_openapi_handler();                        // GET /openapi.yaml
Handler make_operator_page_handler();                  // GET /admin/ (the page; its data needs the admin token)
Handler make_demo_page_handler();                      // GET /demo/

// Blocking admin work off the I/O threads: a replay waits for the broker's acknowledgement (seconds when the
// broker is slow), and an I/O thread must never wait. One thread runs the jobs in order, so two replays never
// race each other over the same dead letters; on stop the queued ones run, see stopping() and answer at once.
using ReplayWorker = base::JobPool;
Handler make_dead_letter_list_handler(Context context);  // GET /api/admin/dead-letters (admin)
// POST /api/admin/dead-letters/{id}/replay and POST /api/admin/dead-letters/replay (admin). `worker` is
// null when the app wired no replayer (the gate answers 503 before it is used).
Handler make_dead_letter_replay_handler(Context context, std::shared_ptr<ReplayWorker> worker);
Handler make_dead_letter_replay_all_handler(Context context, std::shared_ptr<ReplayWorker> worker);

// The gate of the routes acting for the user in the path ("userId"): 401 (no valid credential), 400 (the
// id), 403 (another user), in that order; nullopt and `user` filled when the request may go on. With
// auth.mode=none it only reads the id.
std::optional<Response> admit_user(const ApiContext& context, const Request& request, std::int64_t& user);

// 404 COUPON_POLICY_NOT_FOUND for a policy id no row has.
Response policy_not_found(std::int64_t id);

// 400 INVALID_ID naming what was wrong.
Response invalid_id(std::string_view what, std::string_view text);

}  // namespace coupon::http
