#pragma once
// Time for deadlines, pauses and backoff, as a port (issue 9 item 7). It never jumps with the wall clock:
// domain::Clock is the wall clock, for what is stored, compared with record timestamps or shown; this one
// only measures how long something took or how long to wait. Code that waits a computed time (a backoff, a
// retry's due moment, a log throttle) asks this port instead of std::chrono::steady_clock, so a unit test can
// stand time still and move it (test/support/manual_clock.hpp, ManualMonotonicClock).
#include <chrono>

namespace coupon::base {

class MonotonicClock {
public:
    using Duration = std::chrono::steady_clock::duration;
    using TimePoint = std::chrono::steady_clock::time_point;

    virtual ~MonotonicClock() = default;
    virtual TimePoint now() const = 0;
    // Blocks the calling thread for `pause` of this clock's time. A test clock may move itself instead.
    virtual void sleep_for(Duration pause) const = 0;
};

// The process's steady clock: what production code uses unless a test hands it another.
const MonotonicClock& steady_clock();

}  // namespace coupon::base
