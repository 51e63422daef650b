// The policy lifecycle routes (admin token required; docs/policy-lifecycle.md):
//   GET   /api/coupon-policies?after=<id>&limit=<n>          policies in id order, a page at a time;
//   POST  /api/coupon-policies/{id}/pause | resume | close  stop or restart issuing, or end it for good;
//   PATCH /api/coupon-policies/{id}                          the window or the stock, until shortly before opening;
//   GET   /api/coupon-policies/{id}/changes?after=&limit=   the audit trail: who changed what, when.
// A change is applied by the store under the lock the consumer's batch takes, so it falls strictly between
// two batches of the policy's partition; a refused change answers 409 with the rule's code.
#include <boost/json.hpp>

#include <charconv>
#include <limits>
#include <map>
#include <optional>
#include <string>

#include "coupon/base/log.hpp"
#include "coupon/base/time_format.hpp"
#include "coupon/domain/policy_lifecycle.hpp"
#include "coupon/http/admin_auth.hpp"
#include "handlers.hpp"
#include "input.hpp"
#include "json_views.hpp"
#include "policy_catalog.hpp"
#include "query_params.hpp"

namespace coupon::http {
namespace {

using QueryParams = std::map<std::string, std::string, std::less<>>;

constexpr std::int64_t kDefaultLimit = 50;
constexpr std::int64_t kMaxLimit = 500;

std::optional<std::int64_t> parse_bounded(std::string_view text, std::int64_t low, std::int64_t high) {
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value < low || value > high) return std::nullopt;
    return value;
}

Response invalid_parameter(const std::string& name, const std::string& message) {
    return error_response(400, "VALIDATION_FAILED", message, {{"field", name}});
}

// ?after=<id>&limit=<n>: after defaults to 0 (from the start), limit to 50, at most 500.
std::optional<Response> read_page(const Request& request, std::int64_t& after, std::int64_t& limit) {
    const QueryParams params = parse_query(request.query);
    if (const auto it = params.find("after"); it != params.end()) {
        const auto parsed = parse_bounded(it->second, 0, std::numeric_limits<std::int64_t>::max());
        if (!parsed) return invalid_parameter("after", "after must be an integer of at least 0");
        after = *parsed;
    }
    if (const auto it = params.find("limit"); it != params.end()) {
        const auto parsed = parse_bounded(it->second, 1, kMaxLimit);
        if (!parsed) return invalid_parameter("limit", "limit must be an integer from 1 to 500");
        limit = *parsed;
    }
    return std::nullopt;
}

// 401/403 (check_admin), or 503 when the app wired no lifecycle store.
std::optional<Response> lifecycle_gate(const ApiContext& context, const Request& request, bool changes) {
    if (auto denied = check_admin(context.config.admin_token, request, context.auth.get())) return denied;
    if (changes && context.deps.policy_lifecycle == nullptr) {
        return error_response(503, "POLICY_LIFECYCLE_UNAVAILABLE", "this node cannot change coupon policies");
    }
    return std::nullopt;
}

boost::json::value time_json(const std::optional<domain::TimePoint>& t) {
    return t ? boost::json::value(base::format_time(*t)) : boost::json::value(nullptr);
}

boost::json::object state_json(const domain::PolicyState& s) {
    return {{"status", domain::to_string(s.status)},
            {"totalQuantity", s.total_quantity},
            {"issueStartAt", time_json(s.issue_start_at)},
            {"issueEndAt", time_json(s.issue_end_at)}};
}

boost::json::object change_json(const domain::PolicyChangeRecord& r) {
    return {{"id", r.id},
            {"couponPolicyId", r.policy_id},
            {"revision", r.revision},
            {"action", domain::to_string(r.action)},
            {"principal", r.actor.principal},
            {"remoteAddress", r.actor.remote_address},
            {"changedAt", base::format_time(r.changed_at)},
            {"before", state_json(r.before)},
            {"after", state_json(r.after)}};
}

// The PATCH body: totalQuantity, issueStartAt, issueEndAt (null: no end); at least one of them.
std::optional<Response> read_edit(const boost::json::object& body, domain::PolicyEdit& edit) {
    if (const auto* total = body.if_contains("totalQuantity"); total != nullptr) {
        if (!total->is_int64() || total->get_int64() <= 0) {
            return invalid_parameter("totalQuantity", "totalQuantity must be an integer greater than 0");
        }
        edit.total_quantity = total->get_int64();
    }
    if (const auto* start = body.if_contains("issueStartAt"); start != nullptr) {
        if (start->is_string()) edit.issue_start_at = base::parse_time(start->get_string());
        if (!edit.issue_start_at) {
            return invalid_parameter("issueStartAt", "issueStartAt must be an ISO 8601 time like 2026-12-01T10:00:00+09:00");
        }
    }
    if (const auto* end = body.if_contains("issueEndAt"); end != nullptr) {
        edit.set_end = true;
        if (!end->is_null()) {
            if (end->is_string()) edit.issue_end_at = base::parse_time(end->get_string());
            if (!edit.issue_end_at) {
                return invalid_parameter("issueEndAt",
                                         "issueEndAt must be an ISO 8601 time like 2026-12-01T23:59:59+09:00, or null");
            }
        }
    }
    if (!edit.total_quantity && !edit.issue_start_at && !edit.set_end) {
        return error_response(400, "VALIDATION_FAILED", "give at least one of totalQuantity, issueStartAt, issueEndAt");
    }
    return std::nullopt;
}

Response refused(domain::ChangeRefusal refusal) {
    // An edited window that ends before it starts is bad input; every other refusal is the policy's state.
    const int status = refusal == domain::ChangeRefusal::BadWindow ? 400 : 409;
    return error_response(status, std::string(domain::error_code(refusal)), std::string(domain::describe(refusal)));
}

void run_change(const Context& context, const Request& request, const Respond& respond,
                const domain::PolicyChange& change) {
    const auto id = parse_id(request.param("id"));
    if (!id) return void(respond(invalid_id("id", request.param("id"))));
    const domain::Actor actor{admin_principal(context->config.admin_token, request, context->auth.get()),
                              request.peer.text()};
    const auto result =
        context->deps.policy_lifecycle->change(*id, change, actor, context->deps.clock.now());
    switch (result.status) {
        case domain::ChangeResult::Status::NotFound:
            return void(respond(policy_not_found(*id)));
        case domain::ChangeResult::Status::Refused:
            return void(respond(refused(*result.refusal)));
        case domain::ChangeResult::Status::Applied:
            break;
    }
    // This node answers from the change at once; the others re-read it (docs/policy-lifecycle.md).
    context->catalog->remember(result.policy, std::chrono::steady_clock::now(), context->deps.clock.now());
    log::info("http", "coupon policy {} {} by {} from {}: revision {}, status {}, stock {}", *id,
              domain::to_string(change.action), actor.principal, actor.remote_address, result.policy.revision,
              domain::to_string(result.policy.status), result.policy.total_quantity);
    respond(json_response(200, boost::json::serialize(policy_json(result.policy))));
}

}  // namespace

Handler make_policy_list_handler(Context context) {
    return [context](Request&& request, Respond respond) {
        if (auto denied = lifecycle_gate(*context, request, false)) return void(respond(std::move(*denied)));
        std::int64_t after = 0, limit = kDefaultLimit;
        if (auto invalid = read_page(request, after, limit)) return void(respond(std::move(*invalid)));
        const auto policies = context->deps.queries.policies_after(after, static_cast<std::size_t>(limit));
        boost::json::array items;
        for (const auto& policy : policies) items.push_back(policy_json(policy));
        boost::json::object body{{"items", std::move(items)}};
        // A full page may have a next one: its cursor is the last id. A short page is the end.
        body["nextAfter"] = static_cast<std::int64_t>(policies.size()) == limit
                                ? boost::json::value(policies.back().id)
                                : boost::json::value(nullptr);
        respond(json_response(200, boost::json::serialize(body)));
    };
}

Handler make_policy_action_handler(Context context, domain::PolicyAction action) {
    return [context, action](Request&& request, Respond respond) {
        if (auto denied = lifecycle_gate(*context, request, true)) return void(respond(std::move(*denied)));
        run_change(context, request, respond, domain::PolicyChange{action, {}});
    };
}

Handler make_policy_edit_handler(Context context) {
    return [context](Request&& request, Respond respond) {
        if (auto denied = lifecycle_gate(*context, request, true)) return void(respond(std::move(*denied)));
        Response error;
        auto body = parse_object(request.body, error);
        if (!body) return void(respond(std::move(error)));
        domain::PolicyChange change{domain::PolicyAction::Edit, {}};
        if (auto invalid = read_edit(*body, change.edit)) return void(respond(std::move(*invalid)));
        run_change(context, request, respond, change);
    };
}

Handler make_policy_changes_handler(Context context) {
    return [context](Request&& request, Respond respond) {
        if (auto denied = lifecycle_gate(*context, request, true)) return void(respond(std::move(*denied)));
        const auto id = parse_id(request.param("id"));
        if (!id) return void(respond(invalid_id("id", request.param("id"))));
        std::int64_t after = 0, limit = kDefaultLimit;
        if (auto invalid = read_page(request, after, limit)) return void(respond(std::move(*invalid)));
        if (!context->deps.queries.find_policy(*id)) {
            return void(respond(policy_not_found(*id)));
        }
        const auto changes = context->deps.policy_lifecycle->changes_of(*id, after, static_cast<std::size_t>(limit));
        boost::json::array items;
        for (const auto& change : changes) items.push_back(change_json(change));
        boost::json::object body{{"couponPolicyId", *id}, {"items", std::move(items)}};
        body["nextAfter"] = static_cast<std::int64_t>(changes.size()) == limit ? boost::json::value(changes.back().id)
                                                                                : boost::json::value(nullptr);
        respond(json_response(200, boost::json::serialize(body)));
    };
}

}  // namespace coupon::http
