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

SystemdPinger::SystemdPinger(std::chrono::microseconds interval, std::function<std::string()> message) {
    if (interval <= std::chrono::microseconds::zero() || std::getenv("NOTIFY_SOCKET") == nullptr) return;
    thread_ = std::thread([this, interval, message = std::move(message)] {
        std::unique_lock lock(mutex_);
        while (!wake_.wait_for(lock, interval, [this] { return stopping_; })) {
            if (const std::string state = message(); !state.empty()) systemd_notify(state);
        }
    });
}

SystemdPinger::~SystemdPinger() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

std::chrono::microseconds SystemdWatchdog::interval() {
    const auto timeout = systemd_watchdog_timeout();
    if (timeout.count() > 0) log::info("app", "systemd watchdog: pinging every {} ms", timeout.count() / 2000);
    // A wedged node must not keep pinging (the message is empty then): systemd restarts it.
    return timeout / 2;
}

namespace {

std::string extend_by(std::chrono::milliseconds by) {
    return "EXTEND_TIMEOUT_USEC=" + std::to_string(std::chrono::microseconds(by).count());
}

}  // namespace

SystemdStartExtension::SystemdStartExtension(std::string status, std::chrono::milliseconds every,
                                             std::chrono::milliseconds by)
    : pinger_(every, [by] { return extend_by(by); }) {
    systemd_notify(extend_by(by) + "\nSTATUS=" + status);
}

}  // namespace coupon::app
