// The systemd watchdog is about the process's loops (issue 8 item 10): each consumer worker and each HTTP I/O
// thread beats a heartbeat, and the node stops pinging WATCHDOG=1 when one has not gone round for longer than
// its bound (WatchdogSec/2, at least 1 s), naming it in the log. A worker waiting in the database gets the
// database's own bound on top: a row lock held by someone else with the default lock timeout is a database
// wait, not a wedge; the same wait with every database timeout switched off (0) never ends, and is one.
// PostgreSQL only: a test transaction holds the policy's row lock, as an operator's long transaction would.
#include <catch2/catch.hpp>
#include <libpq-fe.h>

#include <csignal>
#include <regex>
#include <thread>

#include "e2e_fixture.hpp"
#include "pg_row_lock.hpp"
#include "notify_socket.hpp"
#include "pgtmp_server.hpp"

using namespace coupon::test;
using namespace std::chrono_literals;

namespace {

// A server on `pg` under a fake systemd: WatchdogSec = 2 s, so it pings every second and a loop silent for
// more than 1 s (plus the database's bound in a database wait) is wedged.
struct WatchedNode {
    TempDir dir;
    std::unique_ptr<ServerProcess> process;
    std::uint16_t port = 0;

    WatchedNode(const PgTmpServer& pg, const NotifySocket& notify, std::map<std::string, std::string> extra) {
        std::map<std::string, std::string> env{
            {"COUPON_HTTP_ADDRESS", "127.0.0.1"},
            {"COUPON_HTTP_PORT", "0"},
            {"COUPON_SERVER_DATA_DIR", dir.path() + "/data"},
            {"COUPON_DATABASE_URL", pg.url()},
            {"COUPON_ADMIN_TOKEN", kAdminToken},
            {"COUPON_KAFKA_CONSUMER_SESSION_TIMEOUT_MS", "6000"},
            {"COUPON_KAFKA_CONSUMER_HEARTBEAT_INTERVAL_MS", "1000"},
            {"NOTIFY_SOCKET", notify.path()},
            {"WATCHDOG_USEC", "2000000"},
        };
        for (auto& [k, v] : extra) env[k] = v;
        process = std::make_unique<ServerProcess>(std::vector<std::string>{}, env, dir.path() + "/server.log");
        port = process->wait_ready(60s);
        if (port == 0) throw std::runtime_error("the server did not get ready; log:\n" + process->log());
    }

    HttpReply get(const std::string& target) const { return http(port, {"GET", target, "", {}}); }
    std::int64_t create_policy() const {
        const auto reply = http(port, {"POST", "/api/coupon-policies",
                                       R"({"name":"w","totalQuantity":5,"discountType":"AMOUNT","discountValue":1})",
                                       {{"Authorization", std::string("Bearer ") + kAdminToken}}});
        if (reply.status != 201) throw std::runtime_error("create policy: " + reply.body);
        return boost::json::parse(reply.body).at("id").as_int64();
    }
    std::string post_async(std::int64_t user, std::int64_t policy) const {
        const auto reply = http(port, {"POST", "/api/coupons/" + std::to_string(user),
                                       R"({"couponPolicyId":)" + std::to_string(policy) + "}",
                                       {{"Prefer", "respond-async"}}});
        if (reply.status != 202) throw std::runtime_error("POST: " + std::to_string(reply.status) + " " + reply.body);
        return str(json_of(reply), "requestId");
    }
    std::string outcome(const std::string& id) const { return str(json_of(get("/api/coupon-requests/" + id)), "status"); }
};

}  // namespace

TEST_CASE("the watchdog stops pinging while a consumer worker is wedged, names it, and pings again after",
          "[e2e][watchdog]") {
    PgTmpServer pg;
    TempDir sockets;
    NotifySocket notify(sockets.path() + "/notify.sock");
    // No lock timeout, no statement timeout: a worker waiting for a locked row waits as long as the lock is held.
    WatchedNode node(pg, notify,
                     {{"COUPON_DATABASE_BUSY_TIMEOUT_MS", "0"}, {"COUPON_DATABASE_STATEMENT_TIMEOUT_MS", "0"}});
    INFO(node.process->log());
    REQUIRE(notify.next_containing("WATCHDOG=1", 5s));
    const std::int64_t policy = node.create_policy();

    PolicyRowLock lock(pg.url(), policy);
    const std::string id = node.post_async(1, policy);
    // bound 1 s + the database's bound (only connect_timeout, 5 s, is left): the worker counts as wedged after 6 s.
    const bool named = node.process->wait_for_log("watchdog: consumer coupon-issue-topic worker", 20s);
    INFO(node.process->log());
    REQUIRE(named);
    const std::string log = node.process->log();
    CHECK(std::regex_search(log, std::regex(R"(has not gone round for \d+ ms \(limit 6000 ms, in a database wait\))")));
    notify.drain();
    CHECK_FALSE(notify.next_containing("WATCHDOG=1", 3s));  // three ping periods: systemd would restart it
    CHECK(node.get("/health").status == 200);               // the HTTP side is alive: it is the worker

    lock.release();
    CHECK(node.process->wait_for_log("every loop goes round again", 15s));
    CHECK(notify.next_containing("WATCHDOG=1", 5s));
    CHECK(eventually([&] { return node.outcome(id) == "ISSUED"; }, 20s, 100ms));
    CHECK(node.process->stop(SIGTERM) == 0);
}

TEST_CASE("the watchdog keeps pinging while consumer workers wait on a locked row within the lock timeout",
          "[e2e][watchdog]") {
    PgTmpServer pg;
    TempDir sockets;
    NotifySocket notify(sockets.path() + "/notify.sock");
    // The default lock timeout (database.busy_timeout_ms, 5 s): each attempt waits 5 s, five times the bound.
    WatchedNode node(pg, notify, {});
    INFO(node.process->log());
    REQUIRE(notify.next_containing("WATCHDOG=1", 5s));
    const std::int64_t policy = node.create_policy();

    PolicyRowLock lock(pg.url(), policy);
    const std::string id = node.post_async(1, policy);
    // 9 s of lock waits on the issue topic and then its retry topics: a ping in every 2 s.
    for (int window = 0; window < 6; ++window) {
        notify.drain();
        INFO("window " << window);
        CHECK(notify.next_containing("WATCHDOG=1", 2s));
        std::this_thread::sleep_for(500ms);
    }
    CHECK(node.process->log().find("has not gone round") == std::string::npos);
    CHECK(node.outcome(id) != "ISSUED");  // it was waiting for the row (or dead-lettered after every attempt met it)

    lock.release();
    // Decided after the lock went (from a retry topic, or the DLT if every attempt met the lock).
    std::string outcome;
    CHECK(eventually(
        [&] {
            outcome = node.outcome(id);
            return outcome == "ISSUED" || outcome == "FAILED";
        },
        30s, 100ms));
    CHECK(node.process->stop(SIGTERM) == 0);
}
