#include "coupon/domain/clock.hpp"

namespace coupon::domain {

TimePoint SystemClock::now() const {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

}  // namespace coupon::domain
