#pragma once
// systemd's side of the notify protocol for a test: a datagram socket at a path ($NOTIFY_SOCKET) that
// collects what the server sends (READY=1, WATCHDOG=1, STOPPING=1, ...).
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <stdexcept>
#include <string>

namespace coupon::test {

class NotifySocket {
public:
    explicit NotifySocket(const std::string& path) : path_(path) {
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd_ < 0) throw std::runtime_error("socket: " + std::string(std::strerror(errno)));
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
        if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
            ::close(fd_);
            throw std::runtime_error("bind " + path + ": " + std::strerror(errno));
        }
    }
    ~NotifySocket() { ::close(fd_); }
    NotifySocket(const NotifySocket&) = delete;
    NotifySocket& operator=(const NotifySocket&) = delete;

    const std::string& path() const { return path_; }
    // Everything received so far, messages separated by '|'.
    const std::string& seen() const { return seen_; }

    // Collects datagrams until one received from now on contains `needle`, or the deadline passes.
    bool next_containing(const std::string& needle, std::chrono::milliseconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        char buf[4096];
        while (std::chrono::steady_clock::now() < deadline) {
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, 100) <= 0) continue;
            const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
            if (n <= 0) continue;
            const std::string message(buf, static_cast<std::size_t>(n));
            seen_.append(message).append("|");
            if (message.find(needle) != std::string::npos) return true;
        }
        return false;
    }

    // Drops what is queued (messages sent before a point of interest).
    void drain() {
        char buf[4096];
        while (::recv(fd_, buf, sizeof buf, MSG_DONTWAIT) > 0) {
        }
    }

private:
    std::string path_;
    int fd_ = -1;
    std::string seen_;
};

}  // namespace coupon::test
