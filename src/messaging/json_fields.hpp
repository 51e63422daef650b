#pragma once
// Lenient readers for fields written by other producers (Jackson writes ids as numbers, some clients as
// strings; LocalDateTime as text or as an array).
#include <boost/json.hpp>

#include <cstdint>
#include <optional>
#include <string>

#include "coupon/domain/types.hpp"

namespace coupon::messaging {

// A JSON integer, an integral double, or a decimal string; nullopt otherwise.
std::optional<std::int64_t> read_int64(const boost::json::value& v);
// ISO 8601 text (with or without offset), epoch millis, or Jackson's [y,m,d,h,mi,s,nanos] array.
std::optional<domain::TimePoint> read_time(const boost::json::value& v);
// The field's text when it is a JSON string.
std::optional<std::string> read_string(const boost::json::object& o, std::string_view key);

}  // namespace coupon::messaging
