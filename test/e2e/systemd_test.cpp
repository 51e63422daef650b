// The systemd notify protocol, as systemd sees it: datagrams on $NOTIFY_SOCKET.
#include <catch2/catch.hpp>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <csignal>
#include <cstring>

#include "e2e_fixture.hpp"

using namespace coupon::test;

namespace {

// Collects datagrams until one contains `needle` or the deadline passes.
bool receive_containing(int fd, const std::string& needle, int timeout_ms, std::string& all) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    char buf[4096];
    while (std::chrono::steady_clock::now() < deadline) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 100) <= 0) continue;
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) continue;
        all.append(buf, static_cast<std::size_t>(n)).append("|");
        if (all.find(needle) != std::string::npos) return true;
    }
    return false;
}

}  // namespace

TEST_CASE("under systemd the server reports READY, pings the watchdog and reports STOPPING", "[e2e]") {
    TempDir dir;
    const std::string path = dir.path() + "/notify.sock";
    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);

    RunningServer server({{"NOTIFY_SOCKET", path}, {"WATCHDOG_USEC", "400000"}});
    std::string seen;
    CHECK(receive_containing(fd, "READY=1", 5000, seen));
    CHECK(receive_containing(fd, "WATCHDOG=1", 5000, seen));
    CHECK(server.process->stop(SIGTERM) == 0);
    CHECK(receive_containing(fd, "STOPPING=1", 5000, seen));
    INFO(seen);
    ::close(fd);
}
