#pragma once
// The API's handlers, one factory per endpoint; make_routes() puts them in the table.
#include <memory>

#include "coupon/http/api.hpp"
#include "coupon/http/message.hpp"

namespace coupon::http {

struct ApiContext {
    ApiDeps deps;
    HttpConfig config;
};
using Context = std::shared_ptr<const ApiContext>;

Handler make_issue_handler(Context context);           // POST /api/coupons/{userId}
Handler make_request_status_handler(Context context);  // GET /api/coupon-requests/{requestId}
Handler make_user_coupons_handler(Context context);    // GET /api/users/{userId}/coupons
Handler make_policy_get_handler(Context context);      // GET /api/coupon-policies/{id}
Handler make_policy_create_handler(Context context);   // POST /api/coupon-policies (admin)
Handler make_health_handler();                         // GET /health
Handler make_ready_handler(Context context);           // GET /ready
Handler make_metrics_handler();                        // GET /metrics

// 400 INVALID_ID naming what was wrong.
Response invalid_id(std::string_view what, std::string_view text);

}  // namespace coupon::http
