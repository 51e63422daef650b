#include "coupon/base/monotonic_clock.hpp"

#include <thread>

namespace coupon::base {
namespace {

class SteadyClock final : public MonotonicClock {
public:
    TimePoint now() const override { return std::chrono::steady_clock::now(); }
    void sleep_for(Duration pause) const override {
        if (pause > Duration::zero()) std::this_thread::sleep_for(pause);
    }
};

}  // namespace

const MonotonicClock& steady_clock() {
    static const SteadyClock clock;
    return clock;
}

}  // namespace coupon::base
