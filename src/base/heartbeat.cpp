#include "coupon/base/heartbeat.hpp"

namespace coupon::base {

Heartbeat::Heartbeat(std::string name, const MonotonicClock& clock)
    : name_(std::move(name)), clock_(clock), last_(clock.now().time_since_epoch().count()) {}

void Heartbeat::beat() { last_.store(clock_.now().time_since_epoch().count(), std::memory_order_relaxed); }

MonotonicClock::TimePoint Heartbeat::last() const {
    return MonotonicClock::TimePoint(MonotonicClock::Duration(last_.load(std::memory_order_relaxed)));
}

Heartbeat::Waiting::Waiting(Heartbeat* heartbeat) : heartbeat_(heartbeat) {
    if (heartbeat_ == nullptr) return;
    heartbeat_->beat();
    heartbeat_->waiting_.fetch_add(1, std::memory_order_relaxed);
}

Heartbeat::Waiting::~Waiting() {
    if (heartbeat_ == nullptr) return;
    heartbeat_->beat();
    heartbeat_->waiting_.fetch_sub(1, std::memory_order_relaxed);
}

Heartbeats& Heartbeats::global() {
    static Heartbeats registry;
    return registry;
}

std::shared_ptr<Heartbeat> Heartbeats::add(std::string name) {
    auto heartbeat = std::make_shared<Heartbeat>(std::move(name), clock_);
    std::lock_guard lock(mutex_);
    std::erase_if(loops_, [](const std::weak_ptr<Heartbeat>& weak) { return weak.expired(); });
    loops_.push_back(heartbeat);
    return heartbeat;
}

std::optional<Heartbeats::Stalled> Heartbeats::stalled(MonotonicClock::Duration bound,
                                                       MonotonicClock::Duration wait_allowance) {
    const auto now = clock_.now();
    std::optional<Stalled> worst;
    std::lock_guard lock(mutex_);
    std::erase_if(loops_, [](const std::weak_ptr<Heartbeat>& weak) { return weak.expired(); });
    for (const auto& weak : loops_) {
        const auto heartbeat = weak.lock();
        if (!heartbeat) continue;
        const bool waiting = heartbeat->waiting();
        const auto since = now - heartbeat->last();
        if (since <= bound + (waiting ? wait_allowance : MonotonicClock::Duration::zero())) continue;
        if (!worst || since > worst->since) worst = Stalled{heartbeat->name(), since, waiting};
    }
    return worst;
}

std::size_t Heartbeats::size() {
    std::lock_guard lock(mutex_);
    std::erase_if(loops_, [](const std::weak_ptr<Heartbeat>& weak) { return weak.expired(); });
    return loops_.size();
}

}  // namespace coupon::base
