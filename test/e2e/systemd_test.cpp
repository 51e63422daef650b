// The systemd notify protocol, as systemd sees it: datagrams on $NOTIFY_SOCKET.
#include <catch2/catch.hpp>

#include <csignal>

#include "e2e_fixture.hpp"
#include "notify_socket.hpp"

using namespace coupon::test;
using namespace std::chrono_literals;

TEST_CASE("under systemd the server reports READY, pings the watchdog and reports STOPPING", "[e2e]") {
    TempDir dir;
    NotifySocket socket(dir.path() + "/notify.sock");

    RunningServer server({{"NOTIFY_SOCKET", socket.path()}, {"WATCHDOG_USEC", "400000"}});
    CHECK(socket.next_containing("READY=1", 5s));
    // Before it: the database's migrations (the first start applies them all) asked for more start time, so
    // a migration that rebuilds a large table does not meet TimeoutStartSec.
    const std::string before_ready = socket.seen().substr(0, socket.seen().find("READY=1"));
    CHECK(before_ready.find("EXTEND_TIMEOUT_USEC=") != std::string::npos);
    CHECK(before_ready.find("STATUS=opening the database") != std::string::npos);
    CHECK(socket.next_containing("WATCHDOG=1", 5s));
    CHECK(server.process->stop(SIGTERM) == 0);
    CHECK(socket.next_containing("STOPPING=1", 5s));
    INFO(socket.seen());
}
