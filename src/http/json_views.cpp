#include "json_views.hpp"

#include <boost/json/array.hpp>

#include <optional>

#include "coupon/base/json_writer.hpp"
#include "coupon/base/time_format.hpp"
#include "status_map.hpp"

namespace coupon::http {
namespace {

boost::json::value time_or_null(const std::optional<domain::TimePoint>& t) {
    if (!t) return nullptr;
    return boost::json::value(base::format_time(*t));
}

}  // namespace

boost::json::object policy_json(const domain::CouponPolicy& policy) {
    return {
        {"id", policy.id},
        {"name", policy.name},
        {"discountType", policy.discount_type},
        {"discountValue", policy.discount_value},
        {"totalQuantity", policy.total_quantity},
        {"issuedQuantity", policy.issued_quantity},
        {"remainingQuantity", policy.remaining()},
        {"issueStartAt", time_or_null(policy.issue_start_at)},
        {"issueEndAt", time_or_null(policy.issue_end_at)},
        {"createdAt", base::format_time(policy.created_at)},
        {"status", domain::to_string(policy.status)},
        {"revision", policy.revision},
    };
}

boost::json::object request_status_json(const domain::IssueResult& result) {
    boost::json::object body{
        {"requestId", result.request_id},
        {"status", domain::to_string(result.outcome)},
        {"userId", result.user_id},
        {"couponPolicyId", result.policy_id},
    };
    if (result.coupon_id) body["couponId"] = *result.coupon_id;
    if (result.issued_at) body["issuedAt"] = base::format_time(*result.issued_at);
    if (result.outcome != domain::Outcome::Pending) body["decidedAt"] = base::format_time(result.decided_at);
    if (const auto code = status_for(result.outcome).code; !code.empty()) {
        body["code"] = code;
        body["message"] = domain::describe(result.outcome);
    }
    return body;
}

std::string issued_json(const domain::IssueResult& result) {
    std::string out;
    out.reserve(192);
    base::JsonObjectWriter(out)
        .text("status", domain::to_string(domain::Outcome::Issued))
        .text("requestId", result.request_id)
        .number_or_null("couponId", result.coupon_id)
        .number("userId", result.user_id)
        .number("couponPolicyId", result.policy_id)
        .time_or_null("issuedAt", result.issued_at)
        .close();
    return out;
}

boost::json::object user_coupons_json(domain::UserId user, const std::vector<domain::Coupon>& coupons) {
    boost::json::array list;
    list.reserve(coupons.size());
    for (const auto& coupon : coupons) {
        list.push_back(boost::json::object{
            {"couponId", coupon.id},
            {"couponPolicyId", coupon.policy_id},
            {"issuedAt", base::format_time(coupon.issued_at)},
            {"requestId", coupon.request_id},
        });
    }
    return {{"userId", user}, {"coupons", std::move(list)}};
}

}  // namespace coupon::http
