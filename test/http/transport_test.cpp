// The connection layer: limits, malformed input, timeouts, keep-alive, answers from other threads,
// graceful stop, bind errors and the connection cap. Each runs a real server on a loopback port.
#include <catch2/catch.hpp>

#include <future>

#include "coupon/http/http_server.hpp"
#include "test_doubles.hpp"

using namespace coupon::http;
using namespace coupon::http::test;

namespace {

void check_error(const Reply& reply, int status, const std::string& code = "") {
    INFO(reply.status << " " << reply.body);
    CHECK(reply.status == status);
    CHECK(reply.header("content-type") == "application/json");
    const auto body = json_of(reply);
    CHECK_FALSE(str(body, "code").empty());
    CHECK_FALSE(str(body, "message").empty());
    if (!code.empty()) CHECK(str(body, "code") == code);
}

// A handler that keeps its Respond so the test answers later, from its own thread.
struct Parked {
    std::mutex mutex;
    std::vector<Respond> responds;
    std::size_t count() {
        std::lock_guard lock(mutex);
        return responds.size();
    }
    Respond take(std::size_t i) {
        std::lock_guard lock(mutex);
        return responds.at(i);
    }
};

Router parking_router(Parked& parked) {
    Router router;
    router.add("GET", "/ok", [](Request&&, Respond respond) { respond(json_response(200, R"({"ok":true})")); });
    router.add("GET", "/park", [&parked](Request&&, Respond respond) {
        std::lock_guard lock(parked.mutex);
        parked.responds.push_back(std::move(respond));
    });
    router.add("POST", "/echo", [](Request&& request, Respond respond) {
        respond(json_response(200, request.body));
    });
    return router;
}

}  // namespace

TEST_CASE("unknown path is 404 and a wrong method is 405 with Allow", "[http][transport]") {
    ApiHarness api;
    check_error(api.get("/api/nothing-here"), 404, "NOT_FOUND");
    const auto wrong = call(api.port, "DELETE", "/api/coupons/1");
    check_error(wrong, 405, "METHOD_NOT_ALLOWED");
    CHECK(wrong.header("allow") == "POST");
    const auto list = call(api.port, "PUT", "/api/coupon-policies");
    check_error(list, 405);
    CHECK(list.header("allow") == "POST, GET, HEAD");
}

TEST_CASE("bytes that are not UTF-8 are quoted back inside valid JSON", "[http][transport]") {
    // Found by the http_request fuzz target (docs/fuzzing.md): error messages quoted the path or the id byte for
    // byte, so a client's invalid UTF-8 (or an id cut at 64 bytes inside a character) made the body invalid JSON.
    ApiHarness api;
    const auto unknown = api.get("/opena~\xff\xfe/x");
    check_error(unknown, 404, "NOT_FOUND");
    CHECK_THAT(str(json_of(unknown), "message"), Catch::Contains("/opena~\xEF\xBF\xBD\xEF\xBF\xBD/x"));
    check_error(api.get("/api/users/" + std::string(63, '1') + "\xC3\xA9/coupons"), 400, "INVALID_ID");
    check_error(api.post("/api/coupons/\xC3\x28", R"({"couponPolicyId":1})"), 400, "INVALID_ID");
    CHECK(api.get("/health").status == 200);  // and the server still serves
}

TEST_CASE("a body over the limit gets 413 and the connection closes", "[http][transport]") {
    auto config = test_config();
    config.body_limit = 1024;
    ApiHarness api(config);
    Connection connection(api.port);
    check_error(connection.request("POST", "/api/coupons/1", std::string(64 * 1024, ' ') + R"({"couponPolicyId":1})"),
                413, "BODY_TOO_LARGE");
    CHECK(connection.closed_within(3s));
    CHECK(api.sink.submitted().empty());
    check_error(api.post("/api/coupons/1", std::string(1000, ' ') + "{}"), 400, "MISSING_FIELD");  // under the limit
}

TEST_CASE("a request head over the limit gets 431", "[http][transport]") {
    ApiHarness api;  // header_limit 8 KiB
    check_error(api.get("/health", {{"X-Big", std::string(64 * 1024, 'a')}}), 431, "HEADER_TOO_LARGE");
    CHECK(api.get("/health", {{"X-Small", std::string(1024, 'a')}}).status == 200);
}

TEST_CASE("malformed HTTP gets 400 JSON and the connection closes", "[http][transport]") {
    ApiHarness api;
    for (const std::string bytes : {"NONSENSE\r\n\r\n", "GET /health HTTP/9.Z\r\n\r\n",
                                    "POST /echo HTTP/1.1\r\nContent-Length: abc\r\n\r\n"}) {
        INFO(bytes);
        Connection connection(api.port);
        REQUIRE(connection.send_raw(bytes));
        check_error(connection.read_reply(), 400, "BAD_REQUEST");
        CHECK(connection.closed_within(3s));
    }
}

TEST_CASE("a stalled half request is closed after read_timeout while others are served", "[http][transport]") {
    auto config = test_config();
    config.read_timeout = 300ms;
    ApiHarness api(config);
    Connection stalled(api.port);
    const auto started = std::chrono::steady_clock::now();
    REQUIRE(stalled.send_raw("GET /health HTTP/1.1\r\nHost: x\r\n"));  // never finished
    const auto other = api.get("/health");
    CHECK(other.status == 200);
    CHECK(std::chrono::steady_clock::now() - started < 300ms);  // served while the other one stalls
    CHECK(stalled.closed_within(3s));
    const auto waited = std::chrono::steady_clock::now() - started;
    CHECK(waited >= 300ms);
    CHECK(waited < 2s);
}

TEST_CASE("a slow body is cut off by the same read timeout", "[http][transport]") {
    auto config = test_config();
    config.read_timeout = 300ms;
    ApiHarness api(config);
    Connection slow(api.port);
    REQUIRE(slow.send_raw("POST /api/coupons/1 HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"coup"));
    CHECK(slow.closed_within(3s));
    CHECK(api.sink.submitted().empty());
}

TEST_CASE("keep-alive serves several requests on one connection, then idles out", "[http][transport]") {
    auto config = test_config();
    config.idle_timeout = 300ms;
    config.read_timeout = 5s;
    ApiHarness api(config);
    Connection connection(api.port);
    for (int i = 0; i < 3; ++i) {
        const auto reply = connection.request("GET", "/health");
        REQUIRE(reply.status == 200);
        CHECK(reply.header("connection") != "close");
    }
    check_error(connection.request("GET", "/nope"), 404);  // an error answer keeps the connection too
    CHECK(connection.request("GET", "/health").status == 200);
    const auto idle_from = std::chrono::steady_clock::now();
    CHECK(connection.closed_within(3s));
    CHECK(std::chrono::steady_clock::now() - idle_from >= 250ms);
}

TEST_CASE("pipelined requests are answered in order", "[http][transport]") {
    ApiHarness api;
    Connection connection(api.port);
    REQUIRE(connection.send_raw("GET /health HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\n"));
    CHECK(connection.read_reply().status == 200);
    CHECK(connection.read_reply().status == 404);
}

TEST_CASE("Expect: 100-continue gets its interim answer", "[http][transport]") {
    Parked parked;
    HttpServer server(test_config(), parking_router(parked));
    server.start();
    Connection connection(server.port());
    REQUIRE(connection.send_raw("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 7\r\nExpect: 100-continue\r\n\r\n"));
    CHECK(connection.read_reply().status == 100);
    REQUIRE(connection.send_raw(R"({"a":1})"));
    const auto reply = connection.read_reply();
    CHECK(reply.status == 200);
    CHECK(reply.body == R"({"a":1})");
}

TEST_CASE("an answer from another thread reaches the client, and one for a closed connection is dropped",
          "[http][transport]") {
    Parked parked;
    HttpServer server(test_config(), parking_router(parked));
    server.start();

    auto pending = std::async(std::launch::async, [&] { return call(server.port(), "GET", "/park"); });
    REQUIRE(eventually([&] { return parked.count() == 1; }));
    std::thread([respond = parked.take(0)] { respond(json_response(200, R"({"late":true})")); }).join();
    const auto reply = pending.get();
    CHECK(reply.status == 200);
    CHECK(reply.body == R"({"late":true})");
    CHECK_FALSE(parked.take(0)(json_response(200, "{}")));  // a second answer is refused

    {
        Connection gone(server.port());
        REQUIRE(gone.send_raw("GET /park HTTP/1.1\r\nHost: x\r\n\r\n"));
        REQUIRE(eventually([&] { return parked.count() == 2; }));
        gone.close();
    }
    std::this_thread::sleep_for(50ms);  // let the server notice the close (or not): both must be safe
    std::thread([respond = parked.take(1)] { respond(json_response(200, "{}")); }).join();
    CHECK(call(server.port(), "GET", "/ok").status == 200);
}

TEST_CASE("stop lets an in-flight request finish, closes idle connections, then refuses new ones",
          "[http][transport]") {
    Parked parked;
    HttpServer server(test_config(), parking_router(parked));
    server.start();
    const auto port = server.port();
    Connection idle(port);
    REQUIRE(idle.request("GET", "/ok").status == 200);

    auto in_flight = std::async(std::launch::async, [&] { return call(port, "GET", "/park"); });
    REQUIRE(eventually([&] { return parked.count() == 1; }));
    std::thread answer([&] {
        std::this_thread::sleep_for(200ms);
        parked.take(0)(json_response(200, R"({"finished":true})"));
    });
    const auto stop_started = std::chrono::steady_clock::now();
    server.stop();
    const auto stop_took = std::chrono::steady_clock::now() - stop_started;
    answer.join();
    const auto reply = in_flight.get();
    CHECK(reply.status == 200);
    CHECK(reply.header("connection") == "close");
    CHECK(stop_took >= 150ms);
    CHECK(stop_took < 2s);
    CHECK(idle.closed_within(1s));
    CHECK_THROWS(Connection(port));  // nothing listens any more
}

TEST_CASE("stop closes a request that does not finish within the drain time", "[http][transport]") {
    Parked parked;
    auto server = std::make_unique<HttpServer>(test_config(), parking_router(parked));
    server->start();
    Connection stuck(server->port());
    REQUIRE(stuck.send_raw("GET /park HTTP/1.1\r\nHost: x\r\n\r\n"));
    REQUIRE(eventually([&] { return parked.count() == 1; }));
    const auto started = std::chrono::steady_clock::now();
    server->stop(200ms);
    CHECK(std::chrono::steady_clock::now() - started < 1500ms);
    CHECK(stuck.closed_within(1s));
    // The broker may answer long after the server is gone: that answer is dropped, not a crash.
    server.reset();
    std::thread([respond = parked.take(0)] { CHECK(respond(json_response(200, "{}"))); }).join();
}

TEST_CASE("start fails with a clear message when the port is taken", "[http][transport]") {
    Parked parked;
    HttpServer first(test_config(), parking_router(parked));
    first.start();
    auto config = test_config();
    config.port = first.port();
    HttpServer second(config, parking_router(parked));
    try {
        second.start();
        FAIL("start() did not throw");
    } catch (const std::runtime_error& e) {
        const std::string message = e.what();
        CHECK(message.rfind("cannot bind 127.0.0.1:" + std::to_string(first.port()) + ": ", 0) == 0);
    }
    CHECK(call(first.port(), "GET", "/ok").status == 200);
}

TEST_CASE("connections beyond max_connections get 503", "[http][transport]") {
    Parked parked;
    auto config = test_config();
    config.max_connections = 1;
    HttpServer server(config, parking_router(parked));
    server.start();
    Connection held(server.port());
    REQUIRE(held.request("GET", "/ok").status == 200);
    check_error(call(server.port(), "GET", "/ok"), 503, "SERVICE_BUSY");
    held.close();
    CHECK(eventually([&] { return call(server.port(), "GET", "/ok").status == 200; }));
}

TEST_CASE("an answer's framing follows the request's version and Connection, whole or in pieces", "[http][transport]") {
    Router router;
    router.add("POST", "/echo", [](Request&& request, Respond respond) { respond(json_response(200, request.body)); });
    router.add("GET", "/bad-header", [](Request&&, Respond respond) {
        auto answer = json_response(200, "{}");
        answer.headers.add("X-Split", "a\r\nInjected: 1");  // must never reach the wire as two fields
        answer.headers.add("X-Fine", "kept");
        respond(std::move(answer));
    });
    HttpServer server(test_config(), std::move(router));
    server.start();

    SECTION("HTTP/1.0 with keep-alive keeps the connection and says so") {
        Connection c(server.port());
        for (int i = 0; i < 2; ++i) {
            REQUIRE(c.send_raw("POST /echo HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: 7\r\n\r\n{\"a\":1}"));
            const auto reply = c.read_reply();
            CHECK(reply.status == 200);
            CHECK(reply.header("connection") == "keep-alive");
            CHECK(reply.header("content-length") == "7");
            CHECK(reply.body == R"({"a":1})");
        }
    }
    SECTION("HTTP/1.0 without it is answered, then closed") {
        Connection c(server.port());
        REQUIRE(c.send_raw("POST /echo HTTP/1.0\r\nContent-Length: 2\r\n\r\n{}"));
        const auto reply = c.read_reply();
        CHECK(reply.status == 200);
        CHECK(reply.header("connection").empty());
        CHECK(c.closed_within(3s));
    }
    SECTION("HTTP/1.1 with Connection: close gets close") {
        Connection c(server.port());
        REQUIRE(c.send_raw("POST /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}"));
        const auto reply = c.read_reply();
        CHECK(reply.status == 200);
        CHECK(reply.header("connection") == "close");
        CHECK(c.closed_within(3s));
    }
    SECTION("a request that arrives in pieces (head split, then the body) is read to its end") {
        Connection c(server.port());
        REQUIRE(c.send_raw("POST /echo HTTP/1.1\r\nHo"));
        std::this_thread::sleep_for(50ms);
        REQUIRE(c.send_raw("st: x\r\nContent-Length: 12\r\n\r\n{\"ab"));
        std::this_thread::sleep_for(50ms);
        REQUIRE(c.send_raw("cdef\":1}POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}"));
        auto reply = c.read_reply();
        CHECK(reply.status == 200);
        CHECK(reply.body == R"({"abcdef":1})");
        reply = c.read_reply();  // the pipelined one that came with the first one's last bytes
        CHECK(reply.status == 200);
        CHECK(reply.body == "{}");
    }
    SECTION("a header value with a line break is dropped, the others are sent") {
        Connection c(server.port());
        const auto reply = c.request("GET", "/bad-header");
        CHECK(reply.status == 200);
        CHECK(reply.header("x-fine") == "kept");
        CHECK(reply.header("x-split").empty());
        CHECK(reply.header("injected").empty());
    }
}
