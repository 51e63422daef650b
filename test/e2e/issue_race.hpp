#pragma once
// The over-issuance race against one real server (2,000 concurrent POSTs from 500 users, stock 100) and its
// audit, shared by the e2e tier (embedded broker) and the realkafka tier (an Apache Kafka cluster).
#include "e2e_fixture.hpp"

namespace coupon::test {

// Runs the race on `server` and checks, with Catch2: exactly 100 issued, no user twice, every accepted
// request with exactly one final outcome, the API and the database agreeing. Leaves the server running.
void run_issue_race(RunningServer& server);

}  // namespace coupon::test
