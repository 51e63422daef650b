#pragma once
// The one time type of the project: millisecond precision, what every store and the JSON wire format keep,
// so a value survives a round trip. The domain names it domain::TimePoint.
#include <chrono>

namespace coupon::base {

using TimePoint = std::chrono::sys_time<std::chrono::milliseconds>;

}  // namespace coupon::base
