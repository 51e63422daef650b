// Every statement and every connection attempt of the store is bounded (database.statement_timeout_ms,
// database.connect_timeout_ms), so nothing waiting on PostgreSQL -- an HTTP read on the blocking pool, a
// consumer's batch -- waits without end.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <future>

#include "store_fixture.hpp"

using namespace coupon;
using namespace std::chrono_literals;

TEST_CASE("a statement waiting on PostgreSQL ends at statement_timeout, well before the lock timeout", "[pg]") {
    const auto place = test::create_test_database();
    store::DatabaseConfig config;
    config.url = place->url();
    config.pool_size = 1;
    config.busy_timeout = 30s;  // lock_timeout: alone it would hold the read for 30 s
    config.statement_timeout = 1s;
    auto db = store::Database::open(config);
    const auto id = db->queries().create_policy(test::new_policy("p", 1)).id;

    test::RawDb raw(place->url());
    raw.exec("BEGIN");
    raw.exec("LOCK TABLE coupon_policy IN ACCESS EXCLUSIVE MODE");
    const auto started = std::chrono::steady_clock::now();
    CHECK_THROWS_AS(db->queries().find_policy(id), domain::StoreError);
    const auto took = std::chrono::steady_clock::now() - started;
    raw.exec("COMMIT");
    CHECK(took < 10s);
    // The pooled session is usable again at once.
    CHECK(db->queries().find_policy(id).has_value());
}

TEST_CASE("connecting to a server that never answers gives up at connect_timeout", "[pg]") {
    // A loopback listener that never accepts: the kernel completes the TCP handshake, libpq then waits for
    // the server's first message, which never comes.
    const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(listener >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(listener, 8) == 0);
    socklen_t length = sizeof address;
    REQUIRE(::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) == 0);

    store::DatabaseConfig config;
    config.url = "postgresql://nobody@127.0.0.1:" + std::to_string(ntohs(address.sin_port)) + "/nothing";
    config.pool_size = 1;
    config.connect_timeout = 2s;
    const auto started = std::chrono::steady_clock::now();
    auto opening = std::async(std::launch::async, [config] {
        try {
            store::Database::open(config);
            return std::string("opened");
        } catch (const std::exception& e) {
            return std::string(e.what());
        }
    });
    const bool ended = opening.wait_for(20s) == std::future_status::ready;
    ::close(listener);  // unblocks a connection attempt that is still waiting (the old code's case)
    const std::string outcome = opening.get();
    INFO(outcome);
    CHECK(ended);
    CHECK(std::chrono::steady_clock::now() - started < 20s);
    CHECK(outcome.find("cannot open PostgreSQL database") != std::string::npos);
}
