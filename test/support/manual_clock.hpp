#pragma once
// The tests' one clock: it stands still until the test moves it (issue windows, retry due times and
// created_at stamps without sleeping). Thread-safe: consumer threads read it while the test advances it.
#include <atomic>
#include <chrono>
#include <cstdint>

#include "coupon/domain/clock.hpp"

namespace coupon::test {

class ManualClock final : public domain::Clock {
public:
    // 2026-11-18T...Z unless told otherwise: a fixed, recent time.
    explicit ManualClock(domain::TimePoint start = domain::TimePoint(std::chrono::milliseconds(1'795'000'000'000)))
        : millis_(start.time_since_epoch().count()) {}

    domain::TimePoint now() const override { return domain::TimePoint(std::chrono::milliseconds(millis_.load())); }
    void set(domain::TimePoint t) { millis_.store(t.time_since_epoch().count()); }
    void advance(std::chrono::milliseconds by) { millis_.fetch_add(by.count()); }

private:
    std::atomic<std::int64_t> millis_;
};

}  // namespace coupon::test
