// The monotonic clock port (coupon/base/monotonic_clock.hpp) and what reads it: the steady clock moves and
// sleeps; the tests' manual clock stands still until moved, a retry loop driven by it takes its backoff
// without waiting (StoreRetry: 100 ms doubling), and the database waiter tells its wait on it.
#include <catch2/catch.hpp>

#include <atomic>
#include <numeric>
#include <stdexcept>

#include "coupon/base/monotonic_clock.hpp"
#include "coupon/domain/store_error.hpp"
#include "database_waiter.hpp"
#include "manual_clock.hpp"
#include "store_retry.hpp"

using coupon::messaging::StoreRetry;
using coupon::test::ManualMonotonicClock;
using namespace std::chrono_literals;

namespace {

std::chrono::milliseconds total(const std::vector<std::chrono::milliseconds>& pauses) {
    return std::accumulate(pauses.begin(), pauses.end(), 0ms);
}

}  // namespace

TEST_CASE("the steady clock port never goes back and sleeps at least what it is asked") {
    const auto& clock = coupon::base::steady_clock();
    CHECK(&clock == &coupon::base::steady_clock());  // one per process
    const auto before = clock.now();
    clock.sleep_for(2ms);
    CHECK(clock.now() - before >= 2ms);
    clock.sleep_for(-1ms);  // nothing to wait for: returns
}

TEST_CASE("the manual monotonic clock stands still until moved, its sleeps move it and are recorded") {
    ManualMonotonicClock clock;
    const auto start = clock.now();
    CHECK(start != coupon::base::MonotonicClock::TimePoint{});
    CHECK(clock.now() == start);
    clock.advance(250ms);
    CHECK(clock.now() - start == 250ms);
    clock.sleep_for(40ms);
    CHECK(clock.now() - start == 290ms);
    CHECK(clock.pauses() == std::vector<std::chrono::milliseconds>{40ms});
}

TEST_CASE("a database write retried in place backs off 100 ms doubling, on the clock it is given") {
    ManualMonotonicClock clock;
    const StoreRetry retry(coupon::messaging::Backoff(100ms, 300ms), clock);
    const auto start = clock.now();
    int attempts = 0;
    std::vector<std::chrono::milliseconds> waited;  // clock time passed before each attempt
    const bool done = retry.run(
        [&] {
            waited.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(clock.now() - start));
            if (++attempts < 5) throw coupon::domain::StoreError("database is locked");
        },
        [] { return false; });
    CHECK(done);
    CHECK(attempts == 5);
    // 100, 200, then capped at 300: the pauses add up before each attempt.
    CHECK(waited == std::vector<std::chrono::milliseconds>{0ms, 100ms, 300ms, 600ms, 900ms});
    CHECK(total(clock.pauses()) == 900ms);
    for (const auto pause : clock.pauses()) CHECK(pause <= 20ms);  // slices: give_up is asked often
}

TEST_CASE("a retry in place gives up as soon as it is told to, within its slice") {
    ManualMonotonicClock clock;
    const StoreRetry retry(coupon::messaging::Backoff(), clock);
    int attempts = 0;
    const bool done = retry.run([&] {
        ++attempts;
        throw std::runtime_error("not a StoreError: retried all the same");
    },
                                [&] { return total(clock.pauses()) >= 60ms; });
    CHECK_FALSE(done);
    CHECK(attempts == 1);
    CHECK(total(clock.pauses()) == 60ms);  // three 20 ms slices of the first 100 ms pause
}

TEST_CASE("the database waiter tells how long it has waited, on the clock it is given") {
    ManualMonotonicClock clock;
    coupon::store::DatabaseConfig config;
    config.url = "sqlite:/nonexistent-coupon-test-dir/coupons.db";  // cannot be created: every attempt fails
    std::atomic<bool> opened{false};
    coupon::app::DatabaseWaiter waiter(
        config, [&](std::unique_ptr<coupon::store::Database>) { opened = true; }, clock);
    CHECK(waiter.status().empty());  // not waiting yet
    waiter.start("connection refused");
    clock.advance(12s);
    INFO(waiter.status());
    CHECK(waiter.status().rfind("waiting for the database for 12 s (", 0) == 0);
    waiter.stop();
    CHECK_FALSE(opened.load());
}
