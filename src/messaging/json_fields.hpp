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

// The pieces of those two that json_object_reader.hpp applies to a scanned field as well.
std::optional<std::int64_t> read_decimal(std::string_view text);           // the whole text, non-empty
std::optional<domain::TimePoint> time_of_text(std::string_view text);      // ISO 8601, storable
std::optional<domain::TimePoint> time_of_millis(std::int64_t epoch_millis);  // storable

}  // namespace coupon::messaging
