#include "linger_governor.hpp"

#include <algorithm>

namespace coupon::messaging {

LingerGovernor::LingerGovernor(std::int64_t busy_per_second, std::int64_t busy_waiting,
                               std::chrono::microseconds window, std::chrono::microseconds hold)
    : busy_per_window_(busy_per_second <= 0 ? 0 : std::max<std::int64_t>(1, busy_per_second * window.count() / 1000000)),
      busy_waiting_(std::max<std::int64_t>(0, busy_waiting)),
      window_us_(std::max<std::int64_t>(1, window.count())),
      hold_us_(std::max<std::int64_t>(0, hold.count())) {}

bool LingerGovernor::send_now(Clock::time_point now, std::int64_t waiting) {
    if (busy_per_window_ == 0) return false;
    const std::int64_t now_us = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
    std::int64_t start = window_start_us_.load(std::memory_order_relaxed);
    if (now_us - start >= window_us_ &&
        window_start_us_.compare_exchange_strong(start, now_us, std::memory_order_relaxed)) {
        in_window_.store(0, std::memory_order_relaxed);  // this thread opened the next window
    }
    // Counts are approximate under races (a record may land in the window just closed): the choice is a
    // latency preference, never a promise, so that is fine.
    const std::int64_t counted = in_window_.fetch_add(1, std::memory_order_relaxed) + 1;
    if (counted >= busy_per_window_ || (busy_waiting_ > 0 && waiting >= busy_waiting_)) {
        busy_until_us_.store(now_us + hold_us_, std::memory_order_relaxed);
        return false;
    }
    return now_us >= busy_until_us_.load(std::memory_order_relaxed);
}

}  // namespace coupon::messaging
