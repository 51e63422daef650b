// POST /api/coupons/{userId}: outcomes, waiting, async, sold-out short-circuit, refusals, bad input.
#include <catch2/catch.hpp>

#include <set>

#include "test_doubles.hpp"

using namespace coupon::http;
using namespace coupon::http::test;
using coupon::domain::AcceptStatus;
using coupon::domain::IssueRequest;
using coupon::domain::Outcome;

namespace {

const std::string kBody = R"({"couponPolicyId":7})";

void check_error(const Reply& reply, int status, const std::string& code) {
    INFO(reply.status << " " << reply.body);
    CHECK(reply.status == status);
    CHECK(reply.header("content-type") == "application/json");
    CHECK(str(json_of(reply), "code") == code);
    CHECK_FALSE(str(json_of(reply), "message").empty());
}

void decide_always(ApiHarness& api, Outcome outcome) {
    api.sink.decide = [outcome](const IssueRequest& request) { return result_for(request, outcome); };
}

}  // namespace

TEST_CASE("an issued coupon answers 200 with the coupon", "[http][issue]") {
    ApiHarness api;
    decide_always(api, Outcome::Issued);
    const auto reply = api.post("/api/coupons/42", kBody);
    INFO(reply.body);
    REQUIRE(reply.status == 200);
    const auto body = json_of(reply);
    const auto submitted = api.sink.submitted();
    REQUIRE(submitted.size() == 1);
    CHECK(submitted[0].user_id == 42);
    CHECK(submitted[0].policy_id == 7);
    CHECK(submitted[0].requested_at == api.clock.now());
    CHECK(str(body, "status") == "ISSUED");
    CHECK(str(body, "requestId") == submitted[0].request_id);
    CHECK(body.at("couponId").as_int64() == 123);
    CHECK(body.at("userId").as_int64() == 42);
    CHECK(body.at("couponPolicyId").as_int64() == 7);
    CHECK(str(body, "issuedAt") == "2026-11-18T11:06:40.000Z");
}

TEST_CASE("each refused outcome answers its status, code and request id", "[http][issue]") {
    struct Row {
        Outcome outcome;
        int status;
        const char* code;
    };
    const auto row = GENERATE(Row{Outcome::AlreadyIssued, 409, "COUPON_ALREADY_ISSUED"},
                              Row{Outcome::SoldOut, 409, "COUPON_SOLD_OUT"},
                              Row{Outcome::NotFound, 404, "COUPON_POLICY_NOT_FOUND"},
                              Row{Outcome::NotOpen, 409, "COUPON_ISSUE_NOT_OPEN"},
                              Row{Outcome::Failed, 500, "COUPON_ISSUE_FAILED"});
    ApiHarness api;
    decide_always(api, row.outcome);
    api.sink.outcome_delay = 50ms;
    const auto reply = api.post("/api/coupons/42", kBody);
    check_error(reply, row.status, row.code);
    REQUIRE(api.sink.submitted().size() == 1);
    CHECK(str(json_of(reply), "requestId") == api.sink.submitted()[0].request_id);
}

TEST_CASE("no outcome within issue_wait answers 202 with Location and Retry-After", "[http][issue]") {
    auto config = test_config();
    config.issue_wait = 200ms;
    config.retry_after_seconds = 3;
    ApiHarness api(config);
    const auto started = std::chrono::steady_clock::now();
    const auto reply = api.post("/api/coupons/42", kBody);
    const auto took = std::chrono::steady_clock::now() - started;
    REQUIRE(reply.status == 202);
    CHECK(took >= 200ms);
    CHECK(took < 2s);
    const auto body = json_of(reply);
    const std::string id = str(body, "requestId");
    REQUIRE(api.sink.submitted().size() == 1);
    CHECK(id == api.sink.submitted()[0].request_id);
    CHECK(str(body, "status") == "PENDING");
    // Where the broker stored it (the fake sink says partition 3, offset 41): any node can look it up.
    CHECK(str(body, "statusUrl") == "/api/coupon-requests/" + id + "?at=3-41");
    CHECK(reply.header("location") == "/api/coupon-requests/" + id + "?at=3-41");
    CHECK(reply.header("retry-after") == "3");
    // The node still knows the request as pending, so a status query says so.
    const auto status = api.get("/api/coupon-requests/" + id);
    CHECK(status.status == 200);
    CHECK(str(json_of(status), "status") == "PENDING");
}

TEST_CASE("Prefer: respond-async answers 202 as soon as the broker stored it", "[http][issue]") {
    auto config = test_config();
    config.issue_wait = 5s;
    ApiHarness api(config);
    decide_always(api, Outcome::Issued);
    api.sink.outcome_delay = 3s;
    const auto started = std::chrono::steady_clock::now();
    const auto reply = api.post("/api/coupons/42", kBody, {{"Prefer", "wait=10, respond-async"}});
    CHECK(std::chrono::steady_clock::now() - started < 1s);
    REQUIRE(reply.status == 202);
    const std::string id = str(json_of(reply), "requestId");
    CHECK(reply.header("location") == "/api/coupon-requests/" + id + "?at=3-41");
    CHECK_FALSE(reply.header("retry-after").empty());
    CHECK(api.board.is_pending(id));
}

TEST_CASE("a 202 PENDING carries its place in the queue when one is known without asking the broker",
          "[http][issue][waiting-room]") {
    ApiHarness api;
    api.sink.accepted_at = {3, 541};
    api.stored_requests.decided_up_to = 41;  // 500 requests of partition 3 are ahead of offset 541
    api.stored_requests.decided_per_second = 250;

    // Nothing recent known (no status reads yet): no place, and the configured Retry-After.
    const auto cold = api.post("/api/coupons/42", kBody, {{"Prefer", "respond-async"}});
    REQUIRE(cold.status == 202);
    CHECK(json_of(cold).if_contains("position") == nullptr);
    CHECK(cold.header("retry-after") == std::to_string(api.config.retry_after_seconds));

    // Known: position, estimate, and Retry-After from the estimate (500 at 250/s: 2 s).
    api.stored_requests.recent = true;
    const auto warm = api.post("/api/coupons/43", kBody, {{"Prefer", "respond-async"}});
    REQUIRE(warm.status == 202);
    const auto body = json_of(warm);
    CHECK(str(body, "status") == "PENDING");
    CHECK(body.at("position").as_int64() == 500);
    CHECK(body.at("estimatedWaitMs").as_int64() == 2000);
    CHECK(warm.header("retry-after") == "2");
    CHECK(str(body, "statusUrl").ends_with("?at=3-541"));

    // A synchronous request still undecided at the deadline gets the same place.
    auto config = test_config();
    config.issue_wait = 300ms;
    ApiHarness sync(config);
    sync.sink.accepted_at = {3, 541};
    sync.stored_requests.decided_up_to = 41;
    sync.stored_requests.recent = true;
    const auto late = sync.post("/api/coupons/44", kBody);
    REQUIRE(late.status == 202);
    CHECK(str(json_of(late), "status") == "PENDING");
    CHECK(json_of(late).at("position").as_int64() == 500);
    CHECK(json_of(late).if_contains("estimatedWaitMs") == nullptr);  // no rate known
}

TEST_CASE("nothing is promised before the broker stored the request", "[http][issue]") {
    SECTION("an outcome that arrives before the acknowledgement waits for it") {
        ApiHarness api;
        decide_always(api, Outcome::Issued);
        api.sink.ack_delay = 300ms;
        const auto started = std::chrono::steady_clock::now();
        const auto reply = api.post("/api/coupons/42", kBody);
        CHECK(reply.status == 200);
        CHECK(std::chrono::steady_clock::now() - started >= 300ms);
    }
    SECTION("a refusal within the wait answers 503, not 202") {
        ApiHarness api;
        api.sink.answer = AcceptStatus::Unavailable;
        api.sink.ack_delay = 200ms;
        check_error(api.post("/api/coupons/42", kBody), 503, "BROKER_UNAVAILABLE");
    }
    SECTION("async does not answer 202 before the acknowledgement") {
        ApiHarness api;
        api.sink.ack_delay = 300ms;
        const auto started = std::chrono::steady_clock::now();
        CHECK(api.post("/api/coupons/42", kBody, {{"Prefer", "respond-async"}}).status == 202);
        CHECK(std::chrono::steady_clock::now() - started >= 300ms);
    }
}

namespace {

// Checks a 202 UNCONFIRMED answer and returns its request id.
std::string check_unconfirmed(const Reply& reply, const std::string& submitted_id) {
    INFO(reply.status << " " << reply.body);
    CHECK(reply.status == 202);
    const auto body = json_of(reply);
    const std::string id = str(body, "requestId");
    CHECK(id == submitted_id);
    CHECK(str(body, "status") == "UNCONFIRMED");
    CHECK_FALSE(str(body, "message").empty());
    CHECK(str(body, "statusUrl") == "/api/coupon-requests/" + id);
    CHECK(reply.header("location") == "/api/coupon-requests/" + id);
    CHECK(reply.header("retry-after") == "1");
    return id;
}

std::string status_of(const ApiHarness& api, const std::string& id) {
    return str(json_of(api.get("/api/coupon-requests/" + id)), "status");
}

}  // namespace

TEST_CASE("a broker that has not acknowledged by the deadline gets 202 UNCONFIRMED, then the status tells",
          "[http][issue]") {
    auto config = test_config();
    config.issue_wait = 200ms;
    ApiHarness api(config);
    api.sink.ack_delay = 1500ms;
    const bool async = GENERATE(false, true);
    INFO("async " << async);
    const HeaderMap prefer = async ? HeaderMap{{"Prefer", "respond-async"}} : HeaderMap{};

    SECTION("stored after all: UNCONFIRMED becomes PENDING, then the outcome") {
        decide_always(api, Outcome::Issued);
        api.sink.outcome_delay = 2500ms;
        const auto started = std::chrono::steady_clock::now();
        const auto reply = api.post("/api/coupons/42", kBody, prefer);
        CHECK(std::chrono::steady_clock::now() - started < 1200ms);  // not the 1.5 s of the acknowledgement
        REQUIRE(api.sink.submitted().size() == 1);
        const std::string id = check_unconfirmed(reply, api.sink.submitted()[0].request_id);
        CHECK(status_of(api, id) == "UNCONFIRMED");
        CHECK(eventually([&] { return status_of(api, id) == "PENDING"; }, 3s));
        CHECK(eventually([&] { return status_of(api, id) == "ISSUED"; }, 3s));
    }
    SECTION("refused after the deadline: UNCONFIRMED becomes NOT_QUEUED, not 404") {
        api.sink.answer = AcceptStatus::Unavailable;
        const auto reply = api.post("/api/coupons/42", kBody, prefer);
        REQUIRE(api.sink.submitted().size() == 1);
        const std::string id = check_unconfirmed(reply, api.sink.submitted()[0].request_id);
        CHECK(status_of(api, id) == "UNCONFIRMED");
        CHECK(eventually([&] { return status_of(api, id) == "NOT_QUEUED"; }, 3s));
        const auto status = api.get("/api/coupon-requests/" + id);
        CHECK(status.status == 200);
        CHECK_FALSE(str(json_of(status), "message").empty());
        CHECK(api.board.waiting() == 0);
    }
}

TEST_CASE("an ambiguous delivery report answers 202 UNCONFIRMED at once, never 503", "[http][issue]") {
    ApiHarness api;  // issue_wait 1 s
    api.sink.answer = AcceptStatus::Unknown;
    api.sink.ack_delay = 100ms;
    const auto started = std::chrono::steady_clock::now();
    const auto reply = api.post("/api/coupons/42", kBody);
    CHECK(std::chrono::steady_clock::now() - started < 900ms);
    REQUIRE(api.sink.submitted().size() == 1);
    const std::string id = check_unconfirmed(reply, api.sink.submitted()[0].request_id);
    CHECK(status_of(api, id) == "UNCONFIRMED");
    // If the record was stored after all, its outcome settles the state.
    api.board.publish(result_for(api.sink.submitted()[0], Outcome::SoldOut));
    CHECK(status_of(api, id) == "SOLD_OUT");
}

TEST_CASE("an outcome that came before the acknowledgement is answered at the deadline", "[http][issue]") {
    auto config = test_config();
    config.issue_wait = 300ms;
    ApiHarness api(config);
    decide_always(api, Outcome::Issued);
    api.sink.ack_delay = 3s;  // the outcome proves the record is stored, the acknowledgement is only late
    const auto reply = api.post("/api/coupons/42", kBody);
    INFO(reply.body);
    CHECK(reply.status == 200);
    CHECK(str(json_of(reply), "status") == "ISSUED");
}

TEST_CASE("a policy known to be sold out answers 409 without producing", "[http][issue]") {
    ApiHarness api;
    SECTION("marked") { api.board.mark_sold_out(7); }
    SECTION("learned from a result of another node") {
        coupon::domain::IssueResult elsewhere;
        elsewhere.request_id = "other-node-request";
        elsewhere.policy_id = 7;
        elsewhere.outcome = Outcome::Issued;
        elsewhere.remaining = 0;
        api.board.publish(elsewhere);
    }
    const auto reply = api.post("/api/coupons/42", kBody);
    check_error(reply, 409, "COUPON_SOLD_OUT");
    CHECK(str(json_of(reply), "requestId").empty());
    CHECK(api.sink.submitted().empty());
    decide_always(api, Outcome::Issued);
    CHECK(api.post("/api/coupons/42", R"({"couponPolicyId":8})").status == 200);  // other policies unaffected
}

TEST_CASE("a refused request answers 503 with Retry-After and leaves no waiter", "[http][issue]") {
    struct Row {
        AcceptStatus answer;
        const char* code;
    };
    const auto row = GENERATE(Row{AcceptStatus::Overloaded, "SERVICE_BUSY"},
                              Row{AcceptStatus::Unavailable, "BROKER_UNAVAILABLE"});
    ApiHarness api;
    api.sink.answer = row.answer;
    const auto reply = api.post("/api/coupons/42", kBody);
    check_error(reply, 503, row.code);
    CHECK(reply.header("retry-after") == "1");
    REQUIRE(api.sink.submitted().size() == 1);
    CHECK(api.board.waiting() == 0);
    CHECK_FALSE(api.board.is_pending(api.sink.submitted()[0].request_id));
    CHECK(api.get("/api/coupon-requests/" + api.sink.submitted()[0].request_id).status == 404);
}

TEST_CASE("bad ids answer 400 INVALID_ID and nothing is produced", "[http][issue]") {
    ApiHarness api;
    for (const char* user : {"0", "-1", "abc", "99999999999999999999", "1.5", "+3", "%31"}) {
        INFO(user);
        check_error(api.post(std::string("/api/coupons/") + user, kBody), 400, "INVALID_ID");
    }
    for (const char* policy : {"0", "-1", R"("abc")", "99999999999999999999", "1.5", "true", "[7]"}) {
        INFO(policy);
        check_error(api.post("/api/coupons/1", std::string(R"({"couponPolicyId":)") + policy + "}"), 400, "INVALID_ID");
    }
    CHECK(api.sink.submitted().empty());
}

TEST_CASE("bad bodies answer 400 and unknown fields are ignored", "[http][issue]") {
    ApiHarness api;
    check_error(api.post("/api/coupons/1", "{not json"), 400, "INVALID_JSON");
    check_error(api.post("/api/coupons/1", ""), 400, "INVALID_JSON");
    check_error(api.post("/api/coupons/1", "[7]"), 400, "INVALID_JSON");
    check_error(api.post("/api/coupons/1", "{}"), 400, "MISSING_FIELD");
    check_error(api.post("/api/coupons/1", R"({"couponPolicyId":null})"), 400, "MISSING_FIELD");
    CHECK(api.sink.submitted().empty());
    decide_always(api, Outcome::Issued);
    CHECK(api.post("/api/coupons/1", R"({"couponPolicyId":"7","extra":{"x":1}})").status == 200);
}

TEST_CASE("request ids are unique UUIDv7 strings", "[http][issue]") {
    ApiHarness api;
    std::set<std::string> ids;
    for (int i = 0; i < 20; ++i) {
        const auto reply = api.post("/api/coupons/" + std::to_string(i + 1), kBody, {{"Prefer", "respond-async"}});
        REQUIRE(reply.status == 202);
        ids.insert(str(json_of(reply), "requestId"));
    }
    CHECK(ids.size() == 20);
    for (const auto& id : ids) {
        INFO(id);
        CHECK(id.size() == 36);
        CHECK(id[14] == '7');  // version nibble
        CHECK(std::string("89ab").find(id[19]) != std::string::npos);  // RFC 9562 variant
    }
}
