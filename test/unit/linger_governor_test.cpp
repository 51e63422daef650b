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
    LingerGovernor governor(10000, 10ms, 100ms);  // busy from 100 records a window on
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
