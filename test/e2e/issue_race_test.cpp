// The over-issuance race against the real server: thousands of concurrent POSTs, stock 100.
#include <catch2/catch.hpp>

#include <csignal>

#include "issue_race.hpp"

using namespace coupon::test;

TEST_CASE("2,000 concurrent requests from 500 users for stock 100 issue exactly 100, no user twice", "[e2e]") {
    RunningServer server;
    run_issue_race(server);
    CHECK(server.process->stop(SIGTERM) == 0);
}
