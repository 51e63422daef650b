#pragma once
// Domain values as the API's JSON (camelCase, ISO 8601 times, null for absent values).
#include <boost/json/object.hpp>

#include <string>
#include <vector>

#include "coupon/domain/types.hpp"

namespace coupon::http {

boost::json::object policy_json(const domain::CouponPolicy& policy);
// GET /api/coupon-requests/{id}: the recorded outcome of one request.
boost::json::object request_status_json(const domain::IssueResult& result);
// 200 of POST /api/coupons/{userId}.
// The 200 answer of an issued request, written directly (once per request: no boost::json::object).
std::string issued_json(const domain::IssueResult& result);
boost::json::object user_coupons_json(domain::UserId user, const std::vector<domain::Coupon>& coupons);

}  // namespace coupon::http
