#pragma once
// systemd's notify protocol through libsystemd's sd_notify: a datagram to $NOTIFY_SOCKET. No-op when the
// variable is unset, so the same binary runs under systemd (Type=notify, WatchdogSec=) and by hand.
#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace coupon::app {

bool systemd_notify(const std::string& state);

// Pings WATCHDOG=1 at half of $WATCHDOG_USEC while alive() holds; stops on destruction.
class SystemdWatchdog {
public:
    template <typename Alive>
    explicit SystemdWatchdog(Alive alive) {
        start([alive] { return alive(); });
    }
    ~SystemdWatchdog();

private:
    void start(std::function<bool()> alive);
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace coupon::app
