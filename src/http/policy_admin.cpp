// POST /api/coupon-policies: an operator creates a coupon policy (admin token required).
#include <boost/json.hpp>

#include "coupon/http/admin_auth.hpp"
#include "coupon/base/log.hpp"
#include "coupon/base/time_format.hpp"
#include "handlers.hpp"
#include "policy_catalog.hpp"
#include "input.hpp"
#include "json_views.hpp"

namespace coupon::http {
namespace {

struct Invalid {
    std::string field;
    std::string message;
};

// Fills `out` from the body or names the first field that is wrong.
std::optional<Invalid> read_policy(const boost::json::object& body, domain::NewCouponPolicy& out) {
    const auto* name = body.if_contains("name");
    if (name == nullptr || !name->is_string() || name->get_string().empty()) {
        return Invalid{"name", "name must be a non-empty string"};
    }
    if (name->get_string().size() > 200) return Invalid{"name", "name must have at most 200 characters"};
    out.name = name->get_string();

    const auto* total = body.if_contains("totalQuantity");
    if (total == nullptr || !total->is_int64() || total->get_int64() <= 0) {
        return Invalid{"totalQuantity", "totalQuantity must be an integer greater than 0"};
    }
    out.total_quantity = total->get_int64();

    if (const auto* type = body.if_contains("discountType"); type != nullptr && !type->is_null()) {
        if (!type->is_string() || (type->get_string() != "AMOUNT" && type->get_string() != "RATE")) {
            return Invalid{"discountType", "discountType must be \"AMOUNT\" or \"RATE\""};
        }
        out.discount_type = type->get_string();
    }
    if (const auto* value = body.if_contains("discountValue"); value != nullptr && !value->is_null()) {
        if (!value->is_int64() || value->get_int64() < 0) {
            return Invalid{"discountValue", "discountValue must be an integer of at least 0"};
        }
        out.discount_value = value->get_int64();
    }
    if (out.discount_type == "RATE" && out.discount_value > 100) {
        return Invalid{"discountValue", "discountValue of a RATE discount is a percentage from 0 to 100"};
    }

    for (const auto& [key, target] : {std::pair{"issueStartAt", &out.issue_start_at},
                                      std::pair{"issueEndAt", &out.issue_end_at}}) {
        const auto* value = body.if_contains(key);
        if (value == nullptr || value->is_null()) continue;
        std::optional<domain::TimePoint> parsed;
        if (value->is_string()) parsed = base::parse_time(value->get_string());
        if (!parsed) return Invalid{key, std::string(key) + " must be an ISO 8601 time like 2026-12-01T10:00:00+09:00"};
        *target = parsed;
    }
    if (out.issue_start_at && out.issue_end_at && *out.issue_end_at < *out.issue_start_at) {
        return Invalid{"issueEndAt", "issueEndAt must not be before issueStartAt"};
    }
    return std::nullopt;
}

}  // namespace

Handler make_policy_create_handler(Context context) {
    return [context](Request&& request, Respond respond) {
        if (auto denied = check_admin(context->config.admin_token, request, context->auth.get())) return void(respond(std::move(*denied)));
        Response error;
        auto body = parse_object(request.body, error);
        if (!body) return void(respond(std::move(error)));
        domain::NewCouponPolicy policy;
        if (auto invalid = read_policy(*body, policy)) {
            return void(respond(error_response(400, "VALIDATION_FAILED", invalid->message, {{"field", invalid->field}})));
        }
        const auto created = context->deps.queries.create_policy(policy);
        context->catalog->remember(created, std::chrono::steady_clock::now(), context->deps.clock.now());  // this node answers its claims at the edge at once
        log::info("http", {.policy_id = created.id}, "coupon policy created: '{}', {} coupons", created.name,
                  created.total_quantity);
        auto response = json_response(201, boost::json::serialize(policy_json(created)));
        response.headers.set("Location", "/api/coupon-policies/" + std::to_string(created.id));
        respond(std::move(response));
    };
}

}  // namespace coupon::http
