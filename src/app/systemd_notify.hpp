#pragma once
// systemd's notify protocol (sd_notify) spoken directly: one datagram to $NOTIFY_SOCKET. No-op when the
// variable is unset, so the same binary runs under systemd (Type=notify, WatchdogSec=) and by hand.
// Kept hand-written on purpose: libsystemd's sd_notify sends with a blocking sendmsg, and a receiver that
// stops reading (a full datagram queue) then holds the watchdog thread, and with it the node's stop,
// forever (seen: the e2e database-wait test's SIGTERM hung with libsystemd). This sends with MSG_DONTWAIT.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace coupon::app {

bool systemd_notify(const std::string& state);
// systemd's watchdog timeout ($WATCHDOG_USEC, WatchdogSec=), or zero when systemd asks for no pings.
std::chrono::microseconds systemd_watchdog_timeout();

// Pings WATCHDOG=1 at half of $WATCHDOG_USEC while alive() holds (app/liveness.hpp: every loop goes round);
// stops on destruction.
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
