#pragma once
// The tests' clocks: they stand still until the test moves them (issue windows, retry due times, created_at
// stamps, backoff pauses and deadlines without sleeping). Thread-safe: consumer threads read them while the
// test advances them.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <vector>

#include "coupon/base/monotonic_clock.hpp"
#include "coupon/domain/clock.hpp"

namespace coupon::test {

// The wall clock (domain::Clock).
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

// The monotonic clock (base::MonotonicClock) for deadlines and backoff. sleep_for does not block: the sleeper's
// time passes at once (the clock moves by the pause) and the pause is recorded, so a test sees the exact
// backoff sequence a retry loop took without waiting for it.
class ManualMonotonicClock final : public base::MonotonicClock {
public:
    TimePoint now() const override { return TimePoint(Duration(ticks_.load())); }
    void sleep_for(Duration pause) const override {
        {
            std::lock_guard lock(mutex_);
            pauses_.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(pause));
        }
        if (pause > Duration::zero()) ticks_.fetch_add(pause.count());
    }
    void advance(Duration by) { ticks_.fetch_add(by.count()); }
    // Every pause asked of sleep_for so far, in order.
    std::vector<std::chrono::milliseconds> pauses() const {
        std::lock_guard lock(mutex_);
        return pauses_;
    }

private:
    // Starts well away from the epoch: code that treats TimePoint{} as "never" must not see it as a real time.
    mutable std::atomic<Duration::rep> ticks_{std::chrono::duration_cast<Duration>(std::chrono::hours(1000)).count()};
    mutable std::mutex mutex_;
    mutable std::vector<std::chrono::milliseconds> pauses_;
};

}  // namespace coupon::test
