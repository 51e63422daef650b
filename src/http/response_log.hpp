#pragma once
#include <string_view>

namespace coupon::http {

// Counts every answer by status (coupon_http_responses_total) and logs errors: 4xx at debug (clients'
// mistakes, possibly many), 5xx at warn but at most a few lines per second so an outage cannot flood
// the log. `code` is the answer's error code (Response::error_code), empty for success.
void account_response(std::string_view method, std::string_view target, int status, std::string_view code);

}  // namespace coupon::http
