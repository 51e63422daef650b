// The admin dead-letter endpoints: listing with paging and time filters, replay of one and of all, the admin
// token, and what happens when the broker or the wiring is missing.
#include <catch2/catch.hpp>

#include "coupon/base/time_format.hpp"
#include "test_doubles.hpp"

using namespace coupon;
using namespace coupon::http;
using namespace coupon::http::test;
using domain::AcceptStatus;

namespace {

const HeaderMap kAdmin{{"Authorization", "Bearer secret-token-0123"}};

domain::TimePoint at(const char* iso) { return base::parse_time(iso).value(); }

// Stores a dead letter as the DLT consumer would; returns its id.
std::int64_t seed(ApiHarness& api, std::int64_t offset, const char* created_at, bool with_request = true) {
    domain::DeadLetter d;
    d.topic = "coupon-issue-topic.DLT";
    d.partition = 1;
    d.offset = offset;
    d.original_topic = "coupon-issue-topic";
    d.original_partition = 4;
    d.original_offset = 1000 + offset;
    d.key = "7";
    d.payload = R"({"userId":42,"couponPolicyId":7})";
    d.headers = {{"__TypeId__", "couponIssueRequest"}, {"kafka_original-offset", std::string("\0\0\0\x05", 4)}};
    d.error = "database is locked";
    d.created_at = at(created_at);
    if (with_request) {
        domain::IssueRequest r;
        r.request_id = "req-" + std::to_string(offset);
        r.user_id = 42;
        r.policy_id = 7;
        r.requested_at = at(created_at);
        d.request = r;
    }
    api.dead_letter_db.record_dead_letter(d, d.created_at);
    return d.id;
}

std::vector<std::int64_t> ids_of(const boost::json::object& body) {
    std::vector<std::int64_t> out;
    for (const auto& item : body.at("items").as_array()) out.push_back(item.as_object().at("id").as_int64());
    return out;
}

bool replayed(ApiHarness& api, std::int64_t id) {
    return api.dead_letters.find(id).value().replayed_at.has_value();
}

}  // namespace

TEST_CASE("dead-letter endpoints need the admin token", "[http][dead-letter]") {
    ApiHarness api;
    const auto id = seed(api, 1, "2026-12-01T10:00:00Z");
    for (const auto& [method, target] : {std::pair{"GET", "/api/admin/dead-letters"},
                                         std::pair{"POST", "/api/admin/dead-letters/1/replay"},
                                         std::pair{"POST", "/api/admin/dead-letters/replay"}}) {
        INFO(method << " " << target);
        for (const auto& headers : {HeaderMap{}, HeaderMap{{"Authorization", "Bearer wrong"}}}) {
            const auto reply = call(api.port, method, target, {}, headers);
            CHECK(reply.status == 401);
            CHECK(str(json_of(reply), "code") == "UNAUTHORIZED");
        }
    }
    CHECK(api.replayer.replayed_ids().empty());
    CHECK_FALSE(replayed(api, id));

    auto config = test_config();
    config.admin_token.clear();
    ApiHarness disabled(config);
    const auto reply = disabled.get("/api/admin/dead-letters", kAdmin);
    CHECK(reply.status == 403);
    CHECK(str(json_of(reply), "code") == "ADMIN_DISABLED");
    CHECK(disabled.post("/api/admin/dead-letters/replay", "", kAdmin).status == 403);
}

TEST_CASE("GET /api/admin/dead-letters lists every field, binary bytes in base64", "[http][dead-letter]") {
    ApiHarness api;
    const auto with_request = seed(api, 5, "2026-12-01T10:00:00.250Z");
    const auto poison = seed(api, 6, "2026-12-01T10:00:01Z", false);
    api.dead_letters.mark_replayed(with_request, at("2026-12-01T11:00:00Z"));

    const auto reply = api.get("/api/admin/dead-letters", kAdmin);
    INFO(reply.body);
    REQUIRE(reply.status == 200);
    CHECK(reply.header("content-type") == "application/json");
    const auto body = json_of(reply);
    CHECK(body.at("page").as_int64() == 0);
    CHECK(body.at("size").as_int64() == 50);
    CHECK(body.at("total").as_int64() == 2);
    CHECK(ids_of(body) == std::vector<std::int64_t>{with_request, poison});

    const auto first = body.at("items").as_array().at(0).as_object();
    CHECK(first.at("id").as_int64() == with_request);
    CHECK(str(first, "topic") == "coupon-issue-topic.DLT");
    CHECK(first.at("partition").as_int64() == 1);
    CHECK(first.at("offset").as_int64() == 5);
    CHECK(str(first, "originalTopic") == "coupon-issue-topic");
    CHECK(first.at("originalPartition").as_int64() == 4);
    CHECK(first.at("originalOffset").as_int64() == 1005);
    CHECK(str(first, "key") == "7");
    CHECK(str(first, "payload") == R"({"userId":42,"couponPolicyId":7})");
    const auto& headers = first.at("headers").as_object();
    CHECK(headers.at("__TypeId__").as_string() == "couponIssueRequest");
    CHECK(headers.at("kafka_original-offset").as_string() == "AAAABQ==");  // 00 00 00 05
    CHECK(first.at("binaryFields").as_array() == boost::json::array{"headers.kafka_original-offset"});
    CHECK(str(first, "error") == "database is locked");
    CHECK(str(first, "createdAt") == "2026-12-01T10:00:00.250Z");
    CHECK(str(first, "replayedAt") == "2026-12-01T11:00:00.000Z");
    CHECK(str(first, "requestId") == "req-5");
    CHECK(first.at("userId").as_int64() == 42);
    CHECK(first.at("couponPolicyId").as_int64() == 7);

    const auto second = body.at("items").as_array().at(1).as_object();
    CHECK(second.at("replayedAt").is_null());
    CHECK(second.at("requestId").is_null());
    CHECK(second.at("userId").is_null());
    CHECK(second.at("couponPolicyId").is_null());
}

TEST_CASE("dead letters page by page and size, and filter by from <= createdAt < to", "[http][dead-letter]") {
    ApiHarness api;
    std::vector<std::int64_t> ids;
    for (int i = 0; i < 5; ++i) {
        const std::string t = "2026-12-01T10:00:0" + std::to_string(i) + "Z";
        ids.push_back(seed(api, i, t.c_str()));
    }
    auto body = json_of(api.get("/api/admin/dead-letters?page=1&size=2", kAdmin));
    CHECK(body.at("page").as_int64() == 1);
    CHECK(body.at("size").as_int64() == 2);
    CHECK(body.at("total").as_int64() == 5);
    CHECK(ids_of(body) == std::vector<std::int64_t>{ids[2], ids[3]});
    CHECK(ids_of(json_of(api.get("/api/admin/dead-letters?page=9&size=2", kAdmin))).empty());

    body = json_of(api.get("/api/admin/dead-letters?from=2026-12-01T10:00:01Z&to=2026-12-01T10:00:04Z", kAdmin));
    CHECK(body.at("total").as_int64() == 3);
    CHECK(ids_of(body) == std::vector<std::int64_t>{ids[1], ids[2], ids[3]});
    // An offset written as is ('+' is not a space here) or percent-encoded.
    for (const char* from : {"2026-12-01T19:00:03+09:00", "2026-12-01T19%3A00%3A03%2B09%3A00"}) {
        INFO(from);
        body = json_of(api.get(std::string("/api/admin/dead-letters?from=") + from, kAdmin));
        CHECK(ids_of(body) == std::vector<std::int64_t>{ids[3], ids[4]});
    }
}

TEST_CASE("bad listing parameters are 400 VALIDATION_FAILED naming the parameter", "[http][dead-letter]") {
    struct Row {
        const char* query;
        const char* field;
    };
    const auto row = GENERATE(Row{"from=yesterday", "from"}, Row{"to=2026-13-01T00:00:00Z", "to"},
                              Row{"from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z", "to"},
                              Row{"page=-1", "page"}, Row{"page=x", "page"}, Row{"page=", "page"},
                              Row{"size=0", "size"}, Row{"size=501", "size"}, Row{"size=1e3", "size"});
    ApiHarness api;
    INFO(row.query);
    const auto reply = api.get(std::string("/api/admin/dead-letters?") + row.query, kAdmin);
    CHECK(reply.status == 400);
    const auto body = json_of(reply);
    CHECK(str(body, "code") == "VALIDATION_FAILED");
    CHECK(str(body, "field") == row.field);
    CHECK(str(body, "message").find(row.field) != std::string::npos);
    CHECK(api.get("/api/admin/dead-letters?size=500&page=3", kAdmin).status == 200);
}

TEST_CASE("replaying one dead letter re-publishes it and marks it replayed: 202", "[http][dead-letter]") {
    ApiHarness api;
    const auto id = seed(api, 1, "2026-12-01T10:00:00Z");
    const auto reply = api.post("/api/admin/dead-letters/" + std::to_string(id) + "/replay", "", kAdmin);
    INFO(reply.body);
    REQUIRE(reply.status == 202);
    const auto body = json_of(reply);
    CHECK(body.at("id").as_int64() == id);
    CHECK(str(body, "status") == "REPLAYED");
    CHECK(str(body, "requestId") == "req-1");
    CHECK(str(body, "statusUrl") == "/api/coupon-requests/req-1");
    CHECK(reply.header("location") == "/api/coupon-requests/req-1");
    CHECK(str(body, "replayedAt") == base::format_time(api.clock.now()));
    CHECK(api.replayer.replayed_ids() == std::vector<std::int64_t>{id});
    CHECK(api.dead_letters.find(id)->replayed_at == api.clock.now());

    // A poison record goes back as it was; it has no request to follow.
    const auto poison = seed(api, 2, "2026-12-01T10:00:00Z", false);
    const auto again = json_of(api.post("/api/admin/dead-letters/" + std::to_string(poison) + "/replay", "", kAdmin));
    CHECK(again.at("requestId").is_null());
    CHECK(again.at("statusUrl").is_null());
}

TEST_CASE("replaying an unknown or malformed id is 404 or 400, and replays nothing", "[http][dead-letter]") {
    ApiHarness api;
    auto reply = api.post("/api/admin/dead-letters/99/replay", "", kAdmin);
    CHECK(reply.status == 404);
    CHECK(str(json_of(reply), "code") == "DEAD_LETTER_NOT_FOUND");
    reply = api.post("/api/admin/dead-letters/abc/replay", "", kAdmin);
    CHECK(reply.status == 400);
    CHECK(str(json_of(reply), "code") == "INVALID_ID");
    CHECK(api.replayer.replayed_ids().empty());
}

TEST_CASE("a replay the broker refuses is 503 with Retry-After and leaves the letter pending", "[http][dead-letter]") {
    struct Row {
        AcceptStatus answer;
        const char* code;
    };
    const auto row = GENERATE(Row{AcceptStatus::Unavailable, "BROKER_UNAVAILABLE"},
                              Row{AcceptStatus::Overloaded, "SERVICE_BUSY"});
    ApiHarness api;
    const auto id = seed(api, 1, "2026-12-01T10:00:00Z");
    api.replayer.answer = row.answer;
    const auto reply = api.post("/api/admin/dead-letters/" + std::to_string(id) + "/replay", "", kAdmin);
    CHECK(reply.status == 503);
    CHECK(str(json_of(reply), "code") == row.code);
    CHECK(reply.header("retry-after") == "1");
    CHECK_FALSE(replayed(api, id));
}

TEST_CASE("a database failure during a replay is 503 DATABASE_UNAVAILABLE", "[http][dead-letter]") {
    ApiHarness api;
    const auto id = seed(api, 1, "2026-12-01T10:00:00Z");
    api.dead_letter_db.set_down(true);
    const auto reply = api.post("/api/admin/dead-letters/" + std::to_string(id) + "/replay", "", kAdmin);
    CHECK(reply.status == 503);
    CHECK(str(json_of(reply), "code") == "DATABASE_UNAVAILABLE");
    CHECK(api.get("/api/admin/dead-letters", kAdmin).status == 503);
}

TEST_CASE("a slow replay does not hold up other requests", "[http][dead-letter]") {
    auto config = test_config();
    config.threads = 1;  // one I/O thread: a replay running on it would stall the next request
    ApiHarness api(config);
    const auto id = seed(api, 1, "2026-12-01T10:00:00Z");
    api.replayer.delay = 800ms;
    Reply replay;
    std::thread admin([&] { replay = api.post("/api/admin/dead-letters/" + std::to_string(id) + "/replay", "", kAdmin); });
    REQUIRE(eventually([&] { return api.replayer.started.load() == 1; }));  // the replay is in flight
    const auto started = std::chrono::steady_clock::now();
    CHECK(api.get("/health").status == 200);
    CHECK(std::chrono::steady_clock::now() - started < 500ms);
    admin.join();
    CHECK(replay.status == 202);
}

TEST_CASE("replay-all re-publishes every pending letter in the window and reports counts", "[http][dead-letter]") {
    ApiHarness api;
    std::vector<std::int64_t> ids;
    for (int i = 0; i < 5; ++i) {
        const std::string t = "2026-12-01T10:00:0" + std::to_string(i) + "Z";
        ids.push_back(seed(api, i, t.c_str()));
    }
    api.dead_letters.mark_replayed(ids[1], at("2026-12-01T11:00:00Z"));

    auto reply = api.post("/api/admin/dead-letters/replay?to=2026-12-01T10:00:04Z", "", kAdmin);
    INFO(reply.body);
    REQUIRE(reply.status == 202);
    auto body = json_of(reply);
    CHECK(body.at("replayed").as_int64() == 3);
    CHECK(body.at("failed").as_int64() == 0);
    CHECK(body.at("stopped").as_bool() == false);
    CHECK(body.at("error").is_null());
    CHECK(api.replayer.replayed_ids() == std::vector<std::int64_t>{ids[0], ids[2], ids[3]});
    CHECK_FALSE(replayed(api, ids[4]));

    // Everything replayed already: nothing to do.
    reply = api.post("/api/admin/dead-letters/replay?to=2026-12-01T10:00:04Z", "", kAdmin);
    CHECK(json_of(reply).at("replayed").as_int64() == 0);
    CHECK(api.post("/api/admin/dead-letters/replay?from=nope", "", kAdmin).status == 400);
}

TEST_CASE("replay-all stops at the first unavailable broker and counts overloaded letters as failed",
          "[http][dead-letter]") {
    ApiHarness api;
    std::vector<std::int64_t> ids;
    for (int i = 0; i < 4; ++i) ids.push_back(seed(api, i, "2026-12-01T10:00:00Z"));
    api.replayer.unavailable_from_id = ids[2];
    auto body = json_of(api.post("/api/admin/dead-letters/replay", "", kAdmin));
    CHECK(body.at("replayed").as_int64() == 2);
    CHECK(body.at("failed").as_int64() == 1);
    CHECK(body.at("stopped").as_bool());
    CHECK(str(body, "error").find("broker down") != std::string::npos);
    CHECK(api.replayer.replayed_ids() == std::vector<std::int64_t>{ids[0], ids[1], ids[2]});  // not ids[3]
    CHECK_FALSE(replayed(api, ids[2]));

    api.replayer.unavailable_from_id = 0;
    api.replayer.answer = AcceptStatus::Overloaded;
    body = json_of(api.post("/api/admin/dead-letters/replay", "", kAdmin));
    CHECK(body.at("replayed").as_int64() == 0);
    CHECK(body.at("failed").as_int64() == 2);
    CHECK_FALSE(body.at("stopped").as_bool());
}

TEST_CASE("without a dead-letter store or replayer the endpoints answer 503", "[http][dead-letter]") {
    HttpConfig config = test_config();
    OutcomeBoard board;
    MapQueries queries;
    coupon::test::ManualClock clock;
    FakeSink sink(board);
    coupon::test::InMemoryStore db;
    coupon::test::InMemoryDeadLetters dead_letters(db);
    {
        HttpServer server(config, make_routes(ApiDeps{sink, queries, board, clock, {}}, config));
        server.start();
        const auto reply = call(server.port(), "GET", "/api/admin/dead-letters", {}, kAdmin);
        CHECK(reply.status == 503);
        CHECK(str(json_of(reply), "code") == "DEAD_LETTERS_UNAVAILABLE");
    }
    HttpServer server(config, make_routes(ApiDeps{sink, queries, board, clock, {}, &dead_letters, nullptr}, config));
    server.start();
    CHECK(call(server.port(), "GET", "/api/admin/dead-letters", {}, kAdmin).status == 200);
    const auto reply = call(server.port(), "POST", "/api/admin/dead-letters/1/replay", {}, kAdmin);
    CHECK(reply.status == 503);
    CHECK(str(json_of(reply), "code") == "REPLAY_UNAVAILABLE");
}
