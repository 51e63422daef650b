#pragma once
// Retrying a database write in place with exponential backoff (backoff.hpp: 100 ms doubling to 5 s) until it succeeds or
// the worker must give up (stopping, or a partition of the batch was revoked). Issue records do not use it:
// a system error sends them to the retry topics instead (issue_batch_handler.hpp). The DLT consumer does: the DLT
// is the last stop, so a dead letter waits for the database rather than go anywhere else.
#include <chrono>
#include <functional>

#include "backoff.hpp"

namespace coupon::messaging {

class StoreRetry {
public:
    using Attempt = std::function<void()>;
    using GiveUp = std::function<bool()>;

    explicit StoreRetry(Backoff backoff = Backoff()) : backoff_(backoff) {}
    // True once `attempt` returned; false when it gave up (the attempt's transaction did not commit).
    bool run(const Attempt& attempt, const GiveUp& give_up) const;

private:
    Backoff backoff_;  // the first pause and its cap; each run starts from the first
};

// Sleeps up to `delay`, waking early when give_up() turns true. Returns give_up().
bool wait_or_give_up(std::chrono::milliseconds delay, const std::function<bool()>& give_up);

}  // namespace coupon::messaging
