#include "systemd_notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>

#include "coupon/base/log.hpp"

namespace coupon::app {

bool systemd_notify(const std::string& state) {
    const char* path = std::getenv("NOTIFY_SOCKET");
    if (path == nullptr || path[0] == '\0') return false;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    const std::size_t len = std::strlen(path);
    if (len >= sizeof addr.sun_path) return false;
    std::memcpy(addr.sun_path, path, len);
    if (addr.sun_path[0] == '@') addr.sun_path[0] = '\0';  // abstract socket namespace
    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    const auto addr_len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + len);
    // MSG_DONTWAIT: a receiver whose queue is full (a datagram socket queues only a few messages) costs a
    // lost ping, never a blocked thread; a watchdog thread stuck here would also block the stop.
    const bool sent = ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL | MSG_DONTWAIT,
                               reinterpret_cast<sockaddr*>(&addr), addr_len) == static_cast<ssize_t>(state.size());
    ::close(fd);
    return sent;
}

std::chrono::microseconds systemd_watchdog_timeout() {
    const char* usec = std::getenv("WATCHDOG_USEC");
    if (usec == nullptr || std::getenv("NOTIFY_SOCKET") == nullptr) return std::chrono::microseconds::zero();
    return std::chrono::microseconds(std::max(0LL, std::atoll(usec)));
}

void SystemdWatchdog::start(std::function<bool()> alive) {
    const long long interval_us = systemd_watchdog_timeout().count() / 2;
    if (interval_us <= 0) return;
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
