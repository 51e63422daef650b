// When the front end's records skip linger.ms (linger_governor.hpp): below the busy rate, counted in 10 ms
// windows, they go out at once; from it on they wait and batch, and keep waiting through short lulls; after a
// quiet spell longer than the hold they go at once again.
#include <catch2/catch.hpp>

#include "linger_governor.hpp"

using namespace coupon::messaging;
using namespace std::chrono_literals;

namespace {

// How many of `n` records produced at `at` the governor sends at once.
int sent_at_once(LingerGovernor& governor, LingerGovernor::Clock::time_point at, int n) {
    int at_once = 0;
    for (int i = 0; i < n; ++i) at_once += governor.send_now(at) ? 1 : 0;
    return at_once;
}

}  // namespace

TEST_CASE("linger governor: a trickle goes out at once, a flood lingers through lulls, a pause ends it") {
    LingerGovernor governor(10000, 0, 10ms, 100ms);  // busy from 100 records a window on
    const auto t0 = LingerGovernor::Clock::time_point(1h);

    // A trickle: 99 records a window, window after window, all at once.
    for (int w = 0; w < 5; ++w) CHECK(sent_at_once(governor, t0 + w * 10ms, 99) == 99);
    // The 100th record of a window makes the front end busy: it and the rest wait.
    CHECK(sent_at_once(governor, t0 + 50ms, 150) == 99);
    // A lull right after (a flood's answers come back in bursts): still busy for the hold.
    CHECK(sent_at_once(governor, t0 + 60ms, 5) == 0);
    CHECK(sent_at_once(governor, t0 + 140ms, 5) == 0);
    // The hold (100 ms from the last busy record) is over: quiet again.
    CHECK(sent_at_once(governor, t0 + 151ms, 5) == 5);
}

TEST_CASE("linger governor: rate 0 always lingers") {
    LingerGovernor governor(0);
    CHECK(sent_at_once(governor, LingerGovernor::Clock::time_point(1h), 10) == 0);
}

TEST_CASE("linger governor: many requests waiting for their outcomes make even a trickle linger") {
    LingerGovernor governor(10000, 256, 10ms, 100ms);  // busy from 100 records a window, or 256 waiting
    const auto t0 = LingerGovernor::Clock::time_point(1h);

    // 255 waiting (64 closed-loop connections never have more than 64): the rate alone decides.
    int at_once = 0;
    for (int i = 0; i < 10; ++i) at_once += governor.send_now(t0, 255) ? 1 : 0;
    CHECK(at_once == 10);
    // 256 waiting: a saturated node whose rate is low; the record waits, and so do the next ones for the hold
    // even when fewer are waiting by then.
    CHECK_FALSE(governor.send_now(t0 + 10ms, 256));
    CHECK_FALSE(governor.send_now(t0 + 20ms, 10));
    CHECK_FALSE(governor.send_now(t0 + 109ms, 10));
    CHECK(governor.send_now(t0 + 111ms, 10));
}

TEST_CASE("linger governor: busy_waiting 0 never counts the waiters") {
    LingerGovernor governor(10000, 0, 10ms, 100ms);
    CHECK(governor.send_now(LingerGovernor::Clock::time_point(1h), 1'000'000));
}
