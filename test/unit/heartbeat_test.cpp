// The watchdog's view of the process (issue 8 item 10): loops beat their heartbeats; a loop silent for longer
// than the bound is wedged, unless it is in a database wait, which gets the database's own bound on top.
#include <catch2/catch.hpp>

#include "coupon/base/heartbeat.hpp"
#include "liveness.hpp"
#include "manual_clock.hpp"

using namespace coupon;
using namespace std::chrono_literals;

TEST_CASE("heartbeats: the loop silent past the bound is named with how long it has been silent", "[unit]") {
    test::ManualMonotonicClock clock;
    base::Heartbeats loops(clock);
    auto worker = loops.add("consumer coupon-issue-topic worker 0");
    auto io = loops.add("http-io-0");
    CHECK_FALSE(loops.stalled(1s, 5s));

    clock.advance(800ms);
    io->beat();
    CHECK_FALSE(loops.stalled(1s, 5s));
    clock.advance(700ms);  // the worker: 1.5 s silent; the I/O loop 0.7 s
    auto stalled = loops.stalled(1s, 5s);
    REQUIRE(stalled);
    CHECK(stalled->name == "consumer coupon-issue-topic worker 0");
    CHECK(stalled->since == 1500ms);
    CHECK_FALSE(stalled->waiting);

    worker->beat();
    CHECK_FALSE(loops.stalled(1s, 5s));
    CHECK(loops.size() == 2);
}

TEST_CASE("heartbeats: a loop in a database wait gets the database's bound on top, and no more", "[unit]") {
    test::ManualMonotonicClock clock;
    base::Heartbeats loops(clock);
    auto worker = loops.add("consumer coupon-issue-topic worker 1");
    {
        const base::Heartbeat::Waiting in_database(worker.get());
        clock.advance(5500ms);  // a lock wait up to busy_timeout: alive
        CHECK_FALSE(loops.stalled(1s, 5s));
        clock.advance(1s);  // past bound + allowance: wedged even there
        auto stalled = loops.stalled(1s, 5s);
        REQUIRE(stalled);
        CHECK(stalled->waiting);
        CHECK(stalled->since == 6500ms);
    }
    // Leaving the wait beats; after it the plain bound applies again.
    CHECK_FALSE(loops.stalled(1s, 5s));
    clock.advance(1100ms);
    REQUIRE(loops.stalled(1s, 5s));
    CHECK_FALSE(loops.stalled(1s, 5s)->waiting);
}

TEST_CASE("heartbeats: a loop that stopped (its heartbeat dropped) is not a wedged one", "[unit]") {
    test::ManualMonotonicClock clock;
    base::Heartbeats loops(clock);
    auto worker = loops.add("consumer coupon-issue-topic worker 0");
    clock.advance(10s);
    REQUIRE(loops.stalled(1s, 0s));
    worker.reset();
    CHECK_FALSE(loops.stalled(1s, 0s));
    CHECK(loops.size() == 0);
}

TEST_CASE("liveness: false while a loop is wedged, true again once it goes round, and the bound is half the watchdog",
          "[unit]") {
    test::ManualMonotonicClock clock;
    base::Heartbeats loops(clock);
    auto io = loops.add("http-io-1");
    app::Liveness liveness(loops, app::liveness_bound(4s), 5s);
    CHECK(liveness.bound() == 2s);
    CHECK(liveness.check());
    clock.advance(2500ms);
    CHECK_FALSE(liveness.check());
    CHECK_FALSE(liveness.check());
    io->beat();
    CHECK(liveness.check());
    // A watchdog shorter than 2 s still allows a second: scheduling on a loaded machine is not a wedge.
    CHECK(app::liveness_bound(400ms) == 1s);
}
