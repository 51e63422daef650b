#pragma once
// The query string of a request target ("from=...&size=50") as name -> value.
#include <map>
#include <string>
#include <string_view>

namespace coupon::http {

// Percent-decodes names and values (a malformed escape stays as written). '+' stays '+', not a space:
// ISO times carry "+09:00" offsets, and clients rarely escape them. A repeated name keeps its first value.
std::map<std::string, std::string, std::less<>> parse_query(std::string_view query);

}  // namespace coupon::http
