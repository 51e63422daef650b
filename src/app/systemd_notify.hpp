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

// A thread that sends message() to systemd every `interval` until destroyed (an empty message sends nothing
// that round). No thread when not under systemd. What SystemdWatchdog and SystemdStartExtension share.
class SystemdPinger {
public:
    SystemdPinger(std::chrono::microseconds interval, std::function<std::string()> message);
    ~SystemdPinger();
    SystemdPinger(const SystemdPinger&) = delete;
    SystemdPinger& operator=(const SystemdPinger&) = delete;

private:
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_;
};

// Pings WATCHDOG=1 at half of $WATCHDOG_USEC while alive() holds (app/liveness.hpp: every loop goes round);
// stops on destruction.
class SystemdWatchdog {
public:
    template <typename Alive>
    explicit SystemdWatchdog(Alive alive) : pinger_(interval(), [alive] { return alive() ? "WATCHDOG=1" : ""; }) {}

private:
    static std::chrono::microseconds interval();  // zero when systemd asks for no pings
    SystemdPinger pinger_;
};

// While a start-up step that may take long runs (opening the database applies its migrations, and one may
// rebuild a table: 8.8 s per million SQLite rows), tells systemd `status` at once and asks it every `every`
// for `by` more time (EXTEND_TIMEOUT_USEC), so TimeoutStartSec (90 s by default) does not kill a start that
// is still working, roll its migration back and start it again. Stops asking on destruction; READY=1 ends
// the start as before.
class SystemdStartExtension {
public:
    explicit SystemdStartExtension(std::string status,
                                   std::chrono::milliseconds every = std::chrono::seconds(10),
                                   std::chrono::milliseconds by = std::chrono::seconds(30));

private:
    SystemdPinger pinger_;
};

}  // namespace coupon::app
