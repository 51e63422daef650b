#pragma once
// The query string of a request target ("from=...&size=50") as name -> value.
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "coupon/domain/request_sink.hpp"

namespace coupon::http {

// Percent-decodes names and values (a malformed escape stays as written). '+' stays '+', not a space:
// ISO times carry "+09:00" offsets, and clients rarely escape them. A repeated name keeps its first value.
std::map<std::string, std::string, std::less<>> parse_query(std::string_view query);

// %XX escapes decoded (a malformed escape stays as written); used for path segments too, where a client's
// URL encoder may have escaped a character such as ':' (RFC 3986: the same segment either way).
std::string percent_decoded(std::string_view text);

// "<partition>-<offset>" (the `at` of a status URL): decimal digits only, partition below 1,000,000,
// offset a non-negative 64-bit integer; nullopt otherwise.
std::optional<domain::RecordLocation> parse_record_location(std::string_view text);

}  // namespace coupon::http
