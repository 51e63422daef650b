#include "systemd_notify.hpp"

#include <systemd/sd-daemon.h>

#include <chrono>
#include <cstdint>

#include "coupon/base/log.hpp"

namespace coupon::app {

bool systemd_notify(const std::string& state) { return ::sd_notify(0, state.c_str()) > 0; }

void SystemdWatchdog::start(std::function<bool()> alive) {
    // Enabled only when WATCHDOG_USEC is set (and WATCHDOG_PID, if set, names this process).
    std::uint64_t usec = 0;
    if (::sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return;
    const long long interval_us = static_cast<long long>(usec / 2);
    log::info("app", "systemd watchdog: pinging every {} ms", interval_us / 1000);
    thread_ = std::thread([this, alive = std::move(alive), interval = std::chrono::microseconds(interval_us)] {
        std::unique_lock lock(mutex_);
        while (!wake_.wait_for(lock, interval, [this] { return stopping_; })) {
            // A wedged node must not keep pinging: systemd then restarts it.
            if (alive()) systemd_notify("WATCHDOG=1");
        }
    });
}

SystemdWatchdog::~SystemdWatchdog() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

}  // namespace coupon::app
