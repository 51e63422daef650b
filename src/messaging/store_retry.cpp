#include "store_retry.hpp"

#include <algorithm>

#include "coupon/domain/store_error.hpp"
#include "coupon/base/log.hpp"
#include "messaging_metrics.hpp"

namespace coupon::messaging {

bool StoreRetry::run(const Attempt& attempt, const GiveUp& give_up) const {
    Backoff backoff = backoff_;
    // The first attempt runs even when stopping: a graceful stop finishes the in-flight batch.
    for (int failures = 0;; ++failures) {
        std::string why;
        try {
            attempt();
            return true;
        } catch (const domain::StoreError& e) {
            why = e.what();
        } catch (const std::exception& e) {
            // Not a database outage we know, but retrying is still safer than losing the batch.
            why = std::string("unexpected: ") + e.what();
        }
        MessagingMetrics::get().store_failures.fetch_add(1, std::memory_order_relaxed);
        log::warn("consumer", "database failed (attempt {}): {}; retrying in {} ms", failures + 1, why,
                  backoff.current().count());
        if (wait_or_give_up(backoff.current(), give_up, *clock_)) return false;
        backoff.grow();
    }
}

bool wait_or_give_up(std::chrono::milliseconds delay, const std::function<bool()>& give_up,
                     const base::MonotonicClock& clock) {
    const auto until = clock.now() + delay;
    for (auto now = clock.now(); now < until; now = clock.now()) {
        if (give_up()) return true;
        clock.sleep_for(std::min<base::MonotonicClock::Duration>(std::chrono::milliseconds(20), until - now));
    }
    return give_up();
}

}  // namespace coupon::messaging
