#pragma once
// The one exponential backoff of the consumers: 100 ms doubling to 5 s by default. A database write retried
// in place (store_retry.hpp) and a record the broker refused (publish_pipeline.hpp) both wait this way, so
// an outage costs the same pause whichever side of the worker it hits.
#include <algorithm>
#include <chrono>

namespace coupon::messaging {

class Backoff {
public:
    explicit constexpr Backoff(std::chrono::milliseconds first = std::chrono::milliseconds(100),
                               std::chrono::milliseconds max = std::chrono::seconds(5))
        : next_(first), max_(max) {}

    // The pause to take now.
    constexpr std::chrono::milliseconds current() const { return next_; }
    // After a pause: the next one doubles, up to max.
    constexpr void grow() { next_ = std::min(next_ * 2, max_); }

private:
    std::chrono::milliseconds next_;
    std::chrono::milliseconds max_;
};

}  // namespace coupon::messaging
