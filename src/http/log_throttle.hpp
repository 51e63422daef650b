#pragma once
// A budget for log lines a client can provoke (failed logins, bad tokens): at most one line per interval,
// and that line says how many were left out. Lock-free: it sits on the request path.
#include <atomic>
#include <chrono>
#include <cstdint>

namespace coupon::http {

class LogThrottle {
public:
    explicit LogThrottle(std::chrono::milliseconds interval) : interval_(interval.count()) {}

    // True when this event may be logged; `suppressed` is then the number of events dropped since the last.
    bool allow(std::uint64_t& suppressed) {
        const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::steady_clock::now().time_since_epoch())
                             .count();
        auto next = next_.load(std::memory_order_relaxed);
        if (now < next || !next_.compare_exchange_strong(next, now + interval_, std::memory_order_relaxed)) {
            dropped_.fetch_add(1, std::memory_order_relaxed);
            return false;
        }
        suppressed = dropped_.exchange(0, std::memory_order_relaxed);
        return true;
    }

private:
    const std::int64_t interval_;
    std::atomic<std::int64_t> next_{0};
    std::atomic<std::uint64_t> dropped_{0};
};

}  // namespace coupon::http
