#include "coupon/http/api.hpp"

#include <memory>

#include "coupon/domain/issue_store.hpp"
#include "coupon/domain/log.hpp"
#include "handlers.hpp"
#include "replay_worker.hpp"

namespace coupon::http {
namespace {

void seed_sold_out(OutcomeBoard& board, domain::CouponQueries& queries) {
    try {
        const auto policies = queries.sold_out_policies();
        for (auto policy : policies) board.mark_sold_out(policy);
        if (!policies.empty()) log::info("http", "{} coupon policies are sold out", policies.size());
    } catch (const std::exception& e) {
        log::warn("http", "cannot read sold-out policies, will learn them from results: {}", e.what());
    }
}

}  // namespace

Router make_routes(ApiDeps deps, const HttpConfig& config) {
    seed_sold_out(deps.board, deps.queries);
    auto context = std::make_shared<const ApiContext>(ApiContext{deps, config});
    Router router;
    router.add("POST", "/api/coupons/{userId}", make_issue_handler(context));
    router.add("GET", "/api/coupon-requests/{requestId}", make_request_status_handler(context));
    router.add("GET", "/api/users/{userId}/coupons", make_user_coupons_handler(context));
    router.add("POST", "/api/coupon-policies", make_policy_create_handler(context));
    router.add("GET", "/api/coupon-policies/{id}", make_policy_get_handler(context));
    router.add("GET", "/api/admin/dead-letters", make_dead_letter_list_handler(context));
    // The worker (a thread) exists only when there is something to replay with; the routes own it, so
    // destroying the server joins it.
    auto worker = deps.dead_letters != nullptr && deps.replayer != nullptr ? std::make_shared<ReplayWorker>() : nullptr;
    router.add("POST", "/api/admin/dead-letters/replay", make_dead_letter_replay_all_handler(context, worker));
    router.add("POST", "/api/admin/dead-letters/{id}/replay", make_dead_letter_replay_handler(context, worker));
    router.add("GET", "/health", make_health_handler());
    router.add("GET", "/ready", make_ready_handler(context));
    router.add("GET", "/metrics", make_metrics_handler());
    return router;
}

}  // namespace coupon::http
