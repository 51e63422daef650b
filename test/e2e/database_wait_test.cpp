// Liveness is the process, readiness is its database (issue 8 item 10). A node whose PostgreSQL is not
// there starts anyway, says it is alive (/health, systemd's watchdog) and not ready (/ready, 503 with a JSON
// error on database-backed routes), and serves once the database appears; a database that goes away later
// does not stop the watchdog either (systemd would otherwise restart every node into the same outage).
// PostgreSQL only: the database is a throwaway server of this test (scripts/pgtmp), halted and resumed.
#include <catch2/catch.hpp>

#include <csignal>
#include <regex>
#include <thread>

#include "e2e_fixture.hpp"
#include "notify_socket.hpp"
#include "pgtmp_server.hpp"

using namespace coupon::test;
using namespace std::chrono_literals;

namespace {

// A server on `pg`, its watchdog pinging `notify` every 200 ms; started without waiting for "ready".
struct NodeOnPg {
    TempDir dir;
    std::unique_ptr<ServerProcess> process;
    std::uint16_t port = 0;

    NodeOnPg(const PgTmpServer& pg, const NotifySocket& notify) {
        const std::map<std::string, std::string> env{
            {"COUPON_HTTP_ADDRESS", "127.0.0.1"},
            {"COUPON_HTTP_PORT", "0"},
            {"COUPON_SERVER_DATA_DIR", dir.path() + "/data"},
            {"COUPON_DATABASE_URL", pg.url()},
            {"COUPON_ADMIN_TOKEN", kAdminToken},
            {"COUPON_KAFKA_CONSUMER_SESSION_TIMEOUT_MS", "6000"},
            {"COUPON_KAFKA_CONSUMER_HEARTBEAT_INTERVAL_MS", "1000"},
            {"NOTIFY_SOCKET", notify.path()},
            {"WATCHDOG_USEC", "400000"},
        };
        process = std::make_unique<ServerProcess>(std::vector<std::string>{}, env, dir.path() + "/server.log");
        if (!process->wait_for_log("HTTP listening on", 60s)) {
            throw std::runtime_error("the server did not listen; log:\n" + process->log());
        }
        static const std::regex listening(R"(HTTP listening on \S*:(\d+))");
        std::smatch m;
        const std::string log = process->log();
        if (!std::regex_search(log, m, listening)) throw std::runtime_error("no port in the log:\n" + log);
        port = static_cast<std::uint16_t>(std::stoi(m[1]));
    }

    HttpReply get(const std::string& target) const { return http(port, {"GET", target, "", {}}); }
    HttpReply post(const std::string& target, const std::string& body, std::map<std::string, std::string> h = {}) const {
        return http(port, {"POST", target, body, std::move(h)});
    }
    HttpReply admin_post(const std::string& target, const std::string& body) const {
        return post(target, body, {{"Authorization", std::string("Bearer ") + kAdminToken}});
    }
    bool wait_ready(std::chrono::seconds timeout) const {
        return eventually([this] { return get("/ready").status == 200; }, timeout, 100ms);
    }
};

}  // namespace

TEST_CASE("a node starts without its database, is alive but not ready, and serves once the database appears",
          "[e2e][database-wait]") {
    PgTmpServer pg;
    pg.halt();  // its socket is gone: "connection refused", as for a database host that is down
    TempDir sockets;
    NotifySocket notify(sockets.path() + "/notify.sock");
    NodeOnPg node(pg, notify);
    INFO(node.process->log());

    // Alive: systemd hears READY=1 and then the watchdog, although the database never answered.
    CHECK(notify.next_containing("READY=1", 10s));
    CHECK(notify.seen().find("STATUS=waiting for the database") != std::string::npos);
    CHECK(notify.next_containing("WATCHDOG=1", 5s));
    CHECK(node.get("/health").status == 200);
    const auto ready = node.get("/ready");
    CHECK(ready.status == 503);
    CHECK(ready.body.find("waiting for the database") != std::string::npos);
    // Database-backed routes: 503 with the API's JSON error.
    const auto status = node.get("/api/coupon-requests/some-request");
    CHECK(status.status == 503);
    CHECK(str(json_of(status), "code") == "DATABASE_UNAVAILABLE");
    const auto create = node.admin_post("/api/coupon-policies",
                                        R"({"name":"w","totalQuantity":5,"discountType":"AMOUNT","discountValue":1})");
    CHECK(create.status == 503);
    CHECK(str(json_of(create), "code") == "DATABASE_UNAVAILABLE");

    // Still waiting 3 s later, still pinging, still running.
    std::this_thread::sleep_for(3s);
    notify.drain();
    CHECK(notify.next_containing("WATCHDOG=1", 2s));
    CHECK(node.process->running());
    CHECK(node.get("/ready").status == 503);

    pg.resume();
    REQUIRE(node.wait_ready(60s));
    const auto policy = node.admin_post("/api/coupon-policies",
                                        R"({"name":"w","totalQuantity":5,"discountType":"AMOUNT","discountValue":1})");
    REQUIRE(policy.status == 201);
    const std::string policy_id = std::to_string(boost::json::parse(policy.body).at("id").as_int64());
    const auto issued = node.post("/api/coupons/1", R"({"couponPolicyId":)" + policy_id + "}");
    CHECK((issued.status == 200 || issued.status == 202));
    const std::string request_id = str(json_of(issued), "requestId");
    std::string outcome = str(json_of(issued), "status");
    if (outcome != "ISSUED") {
        (void)eventually(
            [&] {
                outcome = str(json_of(node.get("/api/coupon-requests/" + request_id)), "status");
                return outcome == "ISSUED";
            },
            30s, 100ms);
    }
    CHECK(outcome == "ISSUED");

    const std::string log = node.process->log();
    CHECK(log.find("starting without the database") != std::string::npos);
    CHECK(log.find("database answered after") != std::string::npos);
    const int exit_status = node.process->stop(SIGTERM);
    INFO(node.process->log());
    CHECK(exit_status == 0);
}

TEST_CASE("the watchdog keeps pinging while the database is away, and the node is ready again after",
          "[e2e][database-wait]") {
    PgTmpServer pg;
    TempDir sockets;
    NotifySocket notify(sockets.path() + "/notify.sock");
    NodeOnPg node(pg, notify);
    INFO(node.process->log());
    REQUIRE(node.wait_ready(60s));
    REQUIRE(notify.next_containing("WATCHDOG=1", 5s));

    pg.halt();
    notify.drain();
    // 2.5 watchdog periods (WatchdogSec = 400 ms here) without a database: systemd would have killed the node
    // if the pings stopped; they go on.
    CHECK(notify.next_containing("WATCHDOG=1", 1s));
    std::this_thread::sleep_for(1s);
    notify.drain();
    CHECK(notify.next_containing("WATCHDOG=1", 1s));
    CHECK(node.get("/health").status == 200);
    CHECK(node.get("/ready").status == 503);

    pg.resume();
    CHECK(node.wait_ready(60s));
    CHECK(node.process->stop(SIGTERM) == 0);
}
