// The streamed answer (Server-Sent Events) through the real HttpServer: the shapes of the wire that the e2e
// tier's SSE client does not take (HEAD, HTTP/1.0, a client that resets), and an outcome pushed the moment
// the result listener reads it.
#include <catch2/catch.hpp>

#include <regex>

#include "eventually.hpp"
#include "test_doubles.hpp"

using namespace coupon::http;
using namespace coupon::http::test;
using coupon::domain::Outcome;

namespace {

coupon::domain::TimePoint at(std::int64_t ms) { return coupon::domain::TimePoint(std::chrono::milliseconds(ms)); }

std::int64_t open_streams(const ApiHarness& api) {
    const auto metrics = api.get("/metrics").body;
    std::smatch m;
    if (!std::regex_search(metrics, m, std::regex("\ncoupon_http_event_streams ([0-9]+)"))) return -1;
    return std::stoll(m[1]);
}

}  // namespace

TEST_CASE("an event stream: the outcome read by the listener is pushed at once, then the chunked body ends",
          "[http][events]") {
    ApiHarness api;
    api.stored_requests.store("req-late", {3, 41});
    api.stored_requests.decided_up_to = 11;
    Connection c(api.port);
    REQUIRE(c.send_raw("GET /api/coupon-requests/req-late/events?at=3-41 HTTP/1.1\r\nHost: x\r\n\r\n"));
    // Published once the stream is open (its watcher registered): the node never took this request.
    REQUIRE(coupon::test::eventually([&] { return open_streams(api) == 1; }, 5s));
    auto result = result_for({"req-late", 42, 7, at(1'795'000'000'000)}, Outcome::SoldOut);
    api.board.publish(result);
    const auto reply = c.read_reply(5s);  // the whole body: it ends after the outcome
    INFO(reply.body);
    CHECK(reply.status == 200);
    CHECK(reply.header("content-type") == "text/event-stream");
    CHECK(reply.header("transfer-encoding") == "chunked");
    CHECK(reply.body.find("event: position\ndata: {\"requestId\":\"req-late\",\"status\":\"PENDING\",\"position\":30") == 0);
    CHECK(reply.body.find("event: outcome\ndata: {\"requestId\":\"req-late\",\"status\":\"SOLD_OUT\"") != std::string::npos);
    CHECK(reply.body.ends_with("\n\n"));
    CHECK(c.closed_within(3s));
    CHECK(coupon::test::eventually([&] { return open_streams(api) == 0; }, 3s));
    CHECK(api.board.watching() == 0);
}

TEST_CASE("an event stream: HEAD gets the head only, HTTP/1.0 a close-delimited body, a reset client its slot back",
          "[http][events]") {
    ApiHarness api;
    api.queries.results["req-1"] = result_for({"req-1", 42, 7, at(1'795'000'000'000)}, Outcome::Issued);
    {
        Connection c(api.port);
        REQUIRE(c.send_raw("HEAD /api/coupon-requests/req-1/events HTTP/1.1\r\nHost: x\r\n\r\n"));
        const auto head = c.read_reply(5s, true);
        CHECK(head.status == 200);
        CHECK(head.header("content-type") == "text/event-stream");
        CHECK(c.closed_within(3s));
    }
    {
        Connection c(api.port);
        REQUIRE(c.send_raw("GET /api/coupon-requests/req-1/events HTTP/1.0\r\n\r\n"));
        const auto reply = c.read_reply(5s);
        INFO(reply.body);
        CHECK(reply.status == 200);
        CHECK(reply.header("transfer-encoding").empty());
        CHECK(reply.body.starts_with("event: outcome\ndata: {\"requestId\":\"req-1\",\"status\":\"ISSUED\""));
    }
    {
        // A stream that stays open (a request nobody decides), then a client that resets the connection.
        api.stored_requests.store("req-open", {3, 41});
        Connection c(api.port);
        REQUIRE(c.send_raw("GET /api/coupon-requests/req-open/events?at=3-41 HTTP/1.1\r\nHost: x\r\n\r\n"));
        REQUIRE(coupon::test::eventually([&] { return open_streams(api) == 1; }, 5s));
        c.abort();
    }
    CHECK(coupon::test::eventually([&] { return open_streams(api) == 0; }, 3s));
    // Its outcome watcher goes with its feed, at the ticker's next tick (250 ms).
    CHECK(coupon::test::eventually([&] { return api.board.watching() == 0; }, 2s));
}
