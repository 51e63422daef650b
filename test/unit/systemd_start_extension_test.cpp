// The start-up's asks for more time: while the database's migrations run, before READY=1, systemd hears
// EXTEND_TIMEOUT_USEC again and again, and nothing once the step is over.
#include <catch2/catch.hpp>

#include <stdlib.h>

#include "notify_socket.hpp"
#include "systemd_notify.hpp"
#include "temp_dir.hpp"

using namespace coupon;
using namespace std::chrono_literals;

TEST_CASE("a long start-up step asks systemd for more time until it ends", "[systemd]") {
    test::TempDir dir;
    test::NotifySocket socket(dir.path() + "/notify");
    REQUIRE(setenv("NOTIFY_SOCKET", socket.path().c_str(), 1) == 0);
    {
        const app::SystemdStartExtension working("applying migrations", 50ms, 30s);
        CHECK(socket.next_containing("STATUS=applying migrations", 1s));
        CHECK(socket.seen().find("EXTEND_TIMEOUT_USEC=30000000") != std::string::npos);
        // Asked again while the step runs, not only at its start.
        socket.drain();
        CHECK(socket.next_containing("EXTEND_TIMEOUT_USEC=30000000", 1s));
        CHECK(socket.next_containing("EXTEND_TIMEOUT_USEC=30000000", 1s));
    }
    socket.drain();
    CHECK_FALSE(socket.next_containing("EXTEND_TIMEOUT_USEC", 300ms));
    unsetenv("NOTIFY_SOCKET");
}
