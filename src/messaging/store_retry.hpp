#pragma once
// Retrying a database write in place with exponential backoff (backoff.hpp: 100 ms doubling to 5 s) until it succeeds or
// the worker must give up (stopping, or a partition of the batch was revoked). Issue records do not use it:
// a system error sends them to the retry topics instead (issue_batch_handler.hpp). The DLT consumer does: the DLT
// is the last stop, so a dead letter waits for the database rather than go anywhere else.
#include <chrono>
#include <functional>

#include "backoff.hpp"
#include "coupon/base/monotonic_clock.hpp"

namespace coupon::messaging {

class StoreRetry {
public:
    using Attempt = std::function<void()>;
    using GiveUp = std::function<bool()>;

    // clock: where the pauses are measured and slept (a test's manual clock takes them at once).
    explicit StoreRetry(Backoff backoff = Backoff(), const base::MonotonicClock& clock = base::steady_clock())
        : backoff_(backoff), clock_(&clock) {}
    // True once `attempt` returned; false when it gave up (the attempt's transaction did not commit).
    bool run(const Attempt& attempt, const GiveUp& give_up) const;

private:
    Backoff backoff_;  // the first pause and its cap; each run starts from the first
    const base::MonotonicClock* clock_;
};

// Sleeps up to `delay` on `clock`, in slices of at most 20 ms, waking early when give_up() turns true.
// Returns give_up().
bool wait_or_give_up(std::chrono::milliseconds delay, const std::function<bool()>& give_up,
                     const base::MonotonicClock& clock = base::steady_clock());

}  // namespace coupon::messaging
