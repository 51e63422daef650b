// Issue 13, live outcomes without polling: Server-Sent Events of a request (its falling position, then its
// one outcome, then the end) and of a policy (its remaining stock, then the sold-out moment), read by a raw
// socket client from the real server; the bound on open streams, a client that leaves, a server that stops.
#include <catch2/catch.hpp>

#include <signal.h>

#include <fstream>
#include <regex>
#include <thread>
#include <vector>

#include "e2e_fixture.hpp"
#include "shared_broker.hpp"
#include "sse_client.hpp"

using namespace coupon::test;
using namespace std::chrono_literals;

namespace {

boost::json::object data_of(const SseEvent& event) {
    boost::system::error_code ec;
    auto value = boost::json::parse(event.data, ec);
    return ec || !value.is_object() ? boost::json::object{} : value.as_object();
}

std::int64_t int_of(const boost::json::object& o, const char* key) {
    auto it = o.find(key);
    return it != o.end() && it->value().is_int64() ? it->value().as_int64() : -1;
}

bool likely(const boost::json::object& o) {
    auto it = o.find("likelySoldOut");
    return it != o.end() && it->value().is_bool() && it->value().as_bool();
}

// Every event until the stream ends (or `limit` passes).
std::vector<SseEvent> read_all(SseClient& client, std::chrono::seconds limit) {
    std::vector<SseEvent> events;
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        auto event = client.next(1s);
        if (event) {
            events.push_back(*event);
        } else if (client.ended() || client.closed()) {
            break;  // every event before the end was taken
        }
    }
    return events;
}

std::string names(const std::vector<SseEvent>& events) {
    std::string out;
    for (const auto& e : events) out += e.name + " " + e.data + "\n";
    return out;
}

// Position events (falling or equal, the first with requests ahead), then exactly one outcome, then the end.
void check_request_stream(SseClient& client, const std::string& expected_status) {
    REQUIRE(client.status() == 200);
    CHECK(client.header("content-type") == "text/event-stream");
    const auto events = read_all(client, 60s);
    INFO("events:\n" << names(events));
    REQUIRE(events.size() >= 2);
    CHECK(events.front().name == "position");
    CHECK(int_of(data_of(events.front()), "position") > 0);
    std::int64_t last = INT64_MAX;
    for (std::size_t i = 0; i + 1 < events.size(); ++i) {
        REQUIRE(events[i].name == "position");
        const auto position = int_of(data_of(events[i]), "position");
        CHECK(position >= 0);
        CHECK(position <= last);
        last = position;
    }
    CHECK(events.back().name == "outcome");
    CHECK(str(data_of(events.back()), "status") == expected_status);
    std::string seen;
    for (const auto& e : events) seen += e.name == "position" ? std::to_string(int_of(data_of(e), "position")) + " " : e.name;
    WARN("streamed: " << seen);
    CHECK(client.ended());
    CHECK(client.wait_closed(5s));
}

std::int64_t gauge(const RunningServer& server, const std::string& name) {
    const auto metrics = server.get("/metrics").body;
    std::smatch m;
    if (!std::regex_search(metrics, m, std::regex("\n" + name + " ([0-9]+)"))) return -1;
    return std::stoll(m[1]);
}

}  // namespace

TEST_CASE("events: a request behind a backlog streams its falling position, then one outcome, then the end, "
          "on the node that took it and on another node", "[e2e][events][waiting-room]") {
    SharedBroker broker;
    // The consumers wait for the locked database (inside the busy timeout) while requests queue up.
    const auto env = broker.env({{"COUPON_DATABASE_BUSY_TIMEOUT_MS", "30000"},
                                 {"COUPON_KAFKA_CONSUMER_MAX_POLL_RECORDS", "3"}});
    RunningServer node1(env);
    auto env2 = env;
    env2["COUPON_DATABASE_URL"] = node1.database->url();  // one database, two nodes
    RunningServer node2(env2);
    const std::int64_t policy = node1.create_policy(10);
    const std::string body = R"({"couponPolicyId":)" + std::to_string(policy) + "}";
    // The group decides (the consumers are up, after the second node joined): one coupon taken, 9 left.
    const auto warm = node1.post("/api/coupons/100", body);
    REQUIRE((warm.status == 200 || warm.status == 202));
    if (warm.status == 202) REQUIRE(final_status(node1, str(json_of(warm), "requestId")) == "ISSUED");

    constexpr int kRequests = 30;
    std::vector<boost::json::object> accepted;
    std::thread lock = node1.database->refuse_writes_in_background(10s);
    for (int user = 1; user <= kRequests; ++user) {
        const auto reply = node1.post("/api/coupons/" + std::to_string(user), body, {{"Prefer", "respond-async"}});
        INFO(reply.status << " " << reply.body);
        REQUIRE(reply.status == 202);
        accepted.push_back(json_of(reply));
    }
    const auto& first = accepted.front();
    const auto& last = accepted.back();
    const auto& before_last = accepted[kRequests - 2];
    REQUIRE(str(last, "eventsUrl").find("/events?at=") != std::string::npos);

    // likelySoldOut: the last has 30 requests ahead for 9 coupons left; the first is at the head of the queue.
    const auto last_status = json_of(node1.get(str(last, "statusUrl")));
    INFO("last: " << boost::json::serialize(last_status));
    CHECK(str(last_status, "status") == "PENDING");
    CHECK(likely(last_status));
    CHECK_FALSE(likely(json_of(node1.get(str(first, "statusUrl")))));

    // The last request from the node that took it, the one before from the other node (it never saw it).
    SseClient here(node1.port, str(last, "eventsUrl"));
    SseClient elsewhere(node2.port, str(before_last, "eventsUrl"));
    // Unknown id: the status GET's 404.
    SseClient unknown(node2.port, "/api/coupon-requests/no-such-request/events");
    CHECK(unknown.status() == 404);
    CHECK(unknown.body().find("REQUEST_NOT_FOUND") != std::string::npos);

    auto first_here = here.next(10s);
    REQUIRE(first_here);
    CHECK(first_here->name == "position");
    CHECK(likely(data_of(*first_here)));
    lock.join();
    // The first event was taken above: the rest of the check starts from a stream that began with it.
    const auto rest = read_all(here, 60s);
    INFO("node 1 events after the first:\n" << names(rest));
    REQUIRE(!rest.empty());
    CHECK(rest.back().name == "outcome");
    CHECK(str(data_of(rest.back()), "status") == "SOLD_OUT");
    CHECK(std::count_if(rest.begin(), rest.end(), [](const SseEvent& e) { return e.name == "outcome"; }) == 1);
    CHECK(here.ended());

    check_request_stream(elsewhere, "SOLD_OUT");

    // A decided request: its outcome at once, and the end.
    SseClient decided(node2.port, str(first, "eventsUrl"));
    const auto events = read_all(decided, 10s);
    INFO(names(events));
    REQUIRE(events.size() == 1);
    CHECK(events[0].name == "outcome");
    CHECK(str(data_of(events[0]), "status") == "ISSUED");
    eventually([&] { return gauge(node1, "coupon_http_event_streams") == 0 && gauge(node2, "coupon_http_event_streams") == 0; }, 5s);
    CHECK(gauge(node1, "coupon_http_event_streams") == 0);
    CHECK(gauge(node2, "coupon_http_event_streams") == 0);
}

TEST_CASE("events: a policy streams its remaining stock as it falls, then the sold-out moment, then the end",
          "[e2e][events]") {
    RunningServer server;
    const std::int64_t policy = server.create_policy(3);
    const std::string body = R"({"couponPolicyId":)" + std::to_string(policy) + "}";
    SseClient stream(server.port, "/api/coupon-policies/" + std::to_string(policy) + "/events");
    REQUIRE(stream.status() == 200);
    auto opening = stream.next(5s);
    REQUIRE(opening);
    CHECK(opening->name == "stock");
    CHECK(int_of(data_of(*opening), "remaining") == 3);
    CHECK(int_of(data_of(*opening), "totalQuantity") == 3);

    REQUIRE(server.post("/api/coupons/1", body).status == 200);
    auto second = stream.next(5s);
    REQUIRE(second);
    CHECK(second->name == "stock");
    CHECK(int_of(data_of(*second), "remaining") == 2);
    for (int user = 2; user <= 5; ++user) server.post("/api/coupons/" + std::to_string(user), body);

    const auto events = read_all(stream, 30s);
    INFO(names(events));
    REQUIRE(events.size() >= 2);
    std::int64_t last = 2;
    for (std::size_t i = 0; i + 1 < events.size(); ++i) {
        REQUIRE(events[i].name == "stock");
        CHECK(int_of(data_of(events[i]), "remaining") < last);
        last = int_of(data_of(events[i]), "remaining");
    }
    CHECK(last == 0);
    CHECK(events.back().name == "soldOut");
    CHECK(int_of(data_of(events.back()), "remaining") == 0);
    CHECK(!str(data_of(events.back()), "soldOutAt").empty());
    CHECK(stream.ended());

    // A sold-out policy: its stock and the sold-out event at once. An unknown one: the GET's 404.
    SseClient again(server.port, "/api/coupon-policies/" + std::to_string(policy) + "/events");
    const auto at_once = read_all(again, 10s);
    INFO(names(at_once));
    REQUIRE(at_once.size() == 2);
    CHECK(at_once[1].name == "soldOut");
    SseClient unknown(server.port, "/api/coupon-policies/999999/events");
    CHECK(unknown.status() == 404);
    CHECK(unknown.body().find("COUPON_POLICY_NOT_FOUND") != std::string::npos);
}

TEST_CASE("events: streams beyond http.max_event_streams are refused, a client that leaves frees its slot, "
          "streams end promptly when the server stops", "[e2e][events]") {
    RunningServer server(std::map<std::string, std::string>{{"COUPON_HTTP_MAX_EVENT_STREAMS", "2"}});
    const std::int64_t policy = server.create_policy(5);
    const std::string target = "/api/coupon-policies/" + std::to_string(policy) + "/events";
    auto a = std::make_unique<SseClient>(server.port, target);
    auto b = std::make_unique<SseClient>(server.port, target);
    REQUIRE(a->status() == 200);
    REQUIRE(b->status() == 200);
    CHECK(gauge(server, "coupon_http_event_streams") == 2);

    SseClient refused(server.port, target);
    CHECK(refused.status() == 503);
    CHECK(!refused.header("retry-after").empty());
    const auto error = json_of(HttpReply{503, {}, refused.body()});
    CHECK(str(error, "code") == "EVENT_STREAMS_FULL");
    CHECK(!str(error, "message").empty());

    // Both clients leave without a word: their slots come back at once (not at the next write).
    a.reset();
    b.reset();
    CHECK(eventually([&] { return gauge(server, "coupon_http_event_streams") == 0; }, 3s));
    SseClient after(server.port, target);
    REQUIRE(after.status() == 200);
    REQUIRE(after.next(5s));  // its opening stock event

    // The server stops: the stream ends (its last chunk) well within the drain timeout.
    const auto stopping = std::chrono::steady_clock::now();
    std::thread stop([&] { CHECK(server.process->stop(SIGTERM) == 0); });
    CHECK(after.wait_closed(5s));
    CHECK(after.ended());
    CHECK(std::chrono::steady_clock::now() - stopping < 5s);
    stop.join();
}
