// The wire format (Spring JsonSerializer compatible) and Java's murmur2 partitioner. No broker needed.
#include <librdkafka/rdkafka.h>

#include <catch2/catch.hpp>

#include "coupon/base/time_format.hpp"
#include "coupon/messaging/message_codec.hpp"
#include "coupon/messaging/partitioner.hpp"

using namespace coupon;
using namespace coupon::messaging;

namespace {
const RecordOrigin kOrigin{"coupon-issue-topic", 3, 42, 1764583200123, "7"};
}

TEST_CASE("codec: issue request round trip keeps every field", "[codec]") {
    domain::IssueRequest r;
    r.request_id = "req-1";
    r.user_id = 9007199254740993;  // beyond double precision: must stay an exact integer
    r.policy_id = 7;
    r.requested_at = *base::parse_time("2026-12-01T01:00:00.123Z");
    CHECK(request_key(r) == "7");
    const std::string json = encode_request(r);
    CHECK(json.find("\"couponPolicyId\":7") != std::string::npos);
    auto d = decode_request(json, std::string_view(kRequestTypeId), kOrigin);
    REQUIRE(d.value);
    CHECK(d.value->request_id == "req-1");
    CHECK(d.value->user_id == 9007199254740993);
    CHECK(d.value->policy_id == 7);
    CHECK(d.value->requested_at == r.requested_at);
    CHECK(d.value->partition == 3);
    CHECK(d.value->offset == 42);
}

TEST_CASE("codec: a Spring-style record without requestId gets one from where it was read and what it holds",
          "[codec]") {
    const std::string spring = R"({"userId":"15","couponPolicyId":7,"requestedAt":"2026-12-01T10:00:00.123456",)"
                               R"("somethingNew":{"x":[1,2]}})";
    auto d = decode_request(spring, std::string_view(kRequestClassName), kOrigin);
    REQUIRE(d.value);
    CHECK(d.value->request_id == derived_request_id(kOrigin, spring));
    CHECK(d.value->request_id.rfind("coupon-issue-topic-3-42-1764583200123-", 0) == 0);
    CHECK(d.value->request_id.size() == std::string("coupon-issue-topic-3-42-1764583200123-").size() + 16);
    CHECK(d.value->user_id == 15);
    CHECK(d.value->requested_at == *base::parse_time("2026-12-01T10:00:00.123Z"));

    // No type header, Jackson's array form of LocalDateTime, and epoch millis.
    auto a = decode_request(R"({"userId":1,"couponPolicyId":2,"requestedAt":[2026,12,1,10,0,0,5000000]})", std::nullopt,
                            kOrigin);
    REQUIRE(a.value);
    CHECK(a.value->requested_at == *base::parse_time("2026-12-01T10:00:00.005Z"));
    auto e = decode_request(R"({"userId":1,"couponPolicyId":2,"requestedAt":1700000000000})", std::nullopt, kOrigin);
    REQUIRE(e.value);
    CHECK(e.value->requested_at.time_since_epoch().count() == 1700000000000);
    auto none = decode_request(R"({"userId":1,"couponPolicyId":2})", std::nullopt, kOrigin);
    REQUIRE(none.value);
}

TEST_CASE("codec: a derived id is stable for one record and differs for another at the same offset", "[codec]") {
    const std::string value = R"({"userId":1,"couponPolicyId":7})";
    CHECK(derived_request_id(kOrigin, value) == derived_request_id(kOrigin, value));
    // The same topic/partition/offset in a new broker incarnation: another time, key or value.
    RecordOrigin later = kOrigin;
    later.timestamp += 1;
    CHECK(derived_request_id(later, value) != derived_request_id(kOrigin, value));
    CHECK(derived_request_id(kOrigin, R"({"userId":2,"couponPolicyId":7})") != derived_request_id(kOrigin, value));
    RecordOrigin other_key = kOrigin;
    other_key.key = "8";
    CHECK(derived_request_id(other_key, value) != derived_request_id(kOrigin, value));
    // Key and value are hashed apart: moving a byte from one to the other is another record.
    RecordOrigin ab = kOrigin, a = kOrigin;
    ab.key = "ab";
    a.key = "a";
    CHECK(derived_request_id(ab, "c") != derived_request_id(a, "bc"));
    // FNV-1a 64 is fixed by its definition: the id of a record never changes between builds.
    RecordOrigin empty = kOrigin;
    empty.key = "";
    CHECK(derived_request_id(empty, "") == "coupon-issue-topic-3-42-1764583200123-" + std::string("07fc0e07b4bd112f"));
    // No timestamp: 0. A topic name too long for an id is replaced by its hash; the id stays valid.
    RecordOrigin untimed = kOrigin;
    untimed.timestamp = -1;
    CHECK(derived_request_id(untimed, value).rfind("coupon-issue-topic-3-42-0-", 0) == 0);
    const std::string long_topic(200, 't');
    RecordOrigin long_origin = kOrigin;
    long_origin.topic = long_topic;
    const std::string long_id = derived_request_id(long_origin, value);
    CHECK(long_id.size() <= 128);
    CHECK(domain::valid_request_id(long_id));
}

TEST_CASE("codec: poison records are detected with a reason", "[codec]") {
    const char* poison[] = {
        "not json",
        "[1,2]",
        R"({"couponPolicyId":7})",
        R"({"userId":0,"couponPolicyId":7})",
        R"({"userId":1,"couponPolicyId":-3})",
        R"({"userId":"abc","couponPolicyId":7})",
        R"({"userId":1.5,"couponPolicyId":7})",
        R"({"userId":1,"couponPolicyId":7,"requestedAt":"yesterday"})",
        // Times no stored row could hold as ISO text (years beyond 0000-9999): refused on arrival.
        R"({"userId":1,"couponPolicyId":7,"requestedAt":1000000000000000})",
        R"({"userId":1,"couponPolicyId":7,"requestedAt":-62200000000000})",
        R"({"userId":1,"couponPolicyId":7,"requestedAt":[10000,1,1,0,0,0]})",
        R"({"userId":1,"couponPolicyId":7,"requestedAt":[-1,12,31,23,59,59]})",
    };
    for (const char* value : poison) {
        INFO(value);
        auto d = decode_request(value, std::nullopt, kOrigin);
        CHECK_FALSE(d.value);
        CHECK_FALSE(d.error.empty());
    }
    auto wrong_type = decode_request(R"({"userId":1,"couponPolicyId":7})", std::string_view("somethingElse"), kOrigin);
    CHECK_FALSE(wrong_type.value);
}

TEST_CASE("codec: issue result round trip", "[codec]") {
    domain::IssueResult r;
    r.request_id = "req-9";
    r.user_id = 5;
    r.policy_id = 7;
    r.outcome = domain::Outcome::Issued;
    r.coupon_id = 123;
    r.issued_at = *base::parse_time("2026-12-01T01:00:00.001Z");
    r.decided_at = *r.issued_at;
    r.remaining = 99;
    auto d = decode_result(encode_result(r));
    REQUIRE(d.value);
    CHECK(d.value->request_id == "req-9");
    CHECK(d.value->user_id == 5);
    CHECK(d.value->policy_id == 7);
    CHECK(d.value->outcome == domain::Outcome::Issued);
    CHECK(d.value->coupon_id == 123);
    CHECK(d.value->issued_at == r.issued_at);
    CHECK(d.value->decided_at == r.decided_at);
    CHECK(d.value->remaining == 99);

    domain::IssueResult s;
    s.request_id = "req-10";
    s.outcome = domain::Outcome::SoldOut;
    s.remaining = 0;
    const std::string json = encode_result(s);
    CHECK(json.find("\"status\":\"SOLD_OUT\"") != std::string::npos);
    CHECK(json.find("\"couponId\":null") != std::string::npos);
    auto sd = decode_result(json);
    REQUIRE(sd.value);
    CHECK_FALSE(sd.value->coupon_id);
    CHECK(sd.value->outcome == domain::Outcome::SoldOut);

    CHECK_FALSE(decode_result("{}").value);
    CHECK_FALSE(decode_result(R"({"requestId":"x","status":"MAYBE"})").value);
}

TEST_CASE("partitioner: murmur2 equals Java's Utils.murmur2 and librdkafka's murmur2", "[codec]") {
    // Expected values from Kafka's UtilsTest.testMurmur2.
    CHECK(murmur2("21") == -973932308);
    CHECK(murmur2("foobar") == -790332482);
    CHECK(murmur2("a-little-bit-long-string") == -985981536);
    CHECK(murmur2("a-little-bit-longer-string") == -1486304829);
    CHECK(murmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8") == -58897971);
    CHECK(murmur2("abc") == 479470107);
    // librdkafka's murmur2_random (what the producer is configured with) is an independent implementation.
    for (int id = 1; id <= 2000; ++id) {
        const std::string key = std::to_string(id);
        for (int partitions : {1, 3, 10}) {
            INFO(key << " / " << partitions);
            CHECK(partition_for_key(key, partitions) ==
                  rd_kafka_msg_partitioner_murmur2_random(nullptr, key.data(), key.size(), partitions, nullptr, nullptr));
        }
    }
}
