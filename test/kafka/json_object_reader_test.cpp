// The codecs' object reader (json_object_reader.hpp): our own records are scanned in place; everything the
// scan does not take is read through Boost.JSON with the same result. No broker needed.
#include <catch2/catch.hpp>

#include <array>
#include <memory>
#include <string>

#include "coupon/base/time_format.hpp"
#include "coupon/messaging/message_codec.hpp"
#include "json_object_reader.hpp"

using namespace coupon;
using namespace coupon::messaging;

namespace {

constexpr std::array<std::string_view, 4> kKeys{"userId", "requestId", "requestedAt", "couponId"};

struct Read {
    bool scanned = false;
    bool ok = false;
    std::array<JsonField, 4> fields;
    std::string error;
    std::unique_ptr<JsonDocument> document = std::make_unique<JsonDocument>();  // what `fields` point into
};

// Both ways; the scan's fields, when it takes the text, must be the document's. The fields returned are the
// document's.
Read read_both(std::string_view json) {
    Read scan;
    scan.scanned = scan_flat_object(json, kKeys, scan.fields);
    Read doc;
    doc.ok = read_json_object(json, kKeys, doc.fields, *doc.document, doc.error, JsonReading::DocumentOnly);
    if (scan.scanned) {
        REQUIRE(doc.ok);
        for (std::size_t i = 0; i < kKeys.size(); ++i) {
            INFO(kKeys[i]);
            CHECK(scan.fields[i] == doc.fields[i]);
        }
    }
    doc.scanned = scan.scanned;
    return doc;
}

}  // namespace

TEST_CASE("json reader: what our encoders write is scanned, and reads as the document does", "[codec]") {
    domain::IssueRequest request;
    request.request_id = "0193a7c2-7f00-7abc-8def-000000000001";
    request.user_id = 9007199254740993;
    request.policy_id = 7;
    request.requested_at = *base::parse_time("2026-12-01T01:00:00.123Z");
    const std::string json = encode_request(request);
    const Read r = read_both(json);
    CHECK(r.scanned);
    CHECK(r.fields[0].kind == JsonField::Kind::Integer);
    CHECK(r.fields[0].integer == 9007199254740993);
    CHECK(r.fields[1].text == request.request_id);
    CHECK(read_time(r.fields[2]) == request.requested_at);
    CHECK(r.fields[3].kind == JsonField::Kind::Missing);

    domain::IssueResult result;
    result.request_id = "r-1";
    result.user_id = 42;
    result.policy_id = 7;
    result.outcome = domain::Outcome::SoldOut;
    result.decided_at = request.requested_at;
    result.remaining = 0;
    const std::string encoded = encode_result(result);  // couponId and issuedAt are null here
    std::array<std::string_view, 3> keys{"couponId", "issuedAt", "remaining"};
    std::array<JsonField, 3> fields;
    REQUIRE(scan_flat_object(encoded, keys, fields));
    CHECK(fields[0].kind == JsonField::Kind::Null);
    CHECK(fields[1].kind == JsonField::Kind::Null);
    CHECK(fields[2].integer == 0);
}

TEST_CASE("json reader: whitespace, negative numbers and unknown keys are scanned too", "[codec]") {
    const Read r = read_both(" {\n\t\"other\" : \"x\" , \"userId\" : -12 ,\"requestedAt\":1764583200123, \"z\":null }\r\n");
    CHECK(r.scanned);
    CHECK(r.fields[0].integer == -12);
    CHECK(r.fields[2].kind == JsonField::Kind::Integer);
    CHECK(read_time(r.fields[2]) == domain::TimePoint{std::chrono::milliseconds{1764583200123}});
    CHECK(read_both("{}").scanned);
}

TEST_CASE("json reader: anything else is the document's, with the document's answer", "[codec]") {
    // Each is valid JSON that the scan leaves alone; the fields still come out (compared in read_both).
    for (const char* json : {
             R"({"requestId":"a\"b"})",                 // an escape: the value is not its text
             R"({"requestId":"\u0041"})",
             R"({"userId":1.0})",                       // a fraction: Jackson may write one
             R"({"userId":1e3})",
             R"({"userId":-0})",
             R"({"userId":12345678901234567890})",      // beyond int64
             R"({"userId":1234567890123456789})",       // 19 digits
             R"({"requestedAt":[2026,12,1,10,0,0,0]})", // LocalDateTime as an array
             R"({"userId":true})",
             R"({"userId":{"a":1}})",
             R"({"userId":1,"userId":2})",              // which one counts is the document's choice
             "{\"requestId\":\"caf\xc3\xa9\"}",         // beyond ASCII: the document checks the UTF-8
         }) {
        INFO(json);
        const Read r = read_both(json);
        CHECK_FALSE(r.scanned);
        CHECK(r.ok);
    }
    const Read escaped = read_both(R"({"requestId":"a\"b"})");
    CHECK(escaped.fields[1].text == "a\"b");
    const Read fraction = read_both(R"({"userId":7.0})");
    CHECK(read_int64(fraction.fields[0]) == 7);
}

TEST_CASE("json reader: text that is not one JSON object is refused by the document, never scanned", "[codec]") {
    for (const char* json : {"", "{", "}", "[]", "7", "null", R"({"userId":01})", R"({"userId":1,})",
                             R"({"userId":1}{"userId":2})", R"({"userId":1} x)", R"({userId:1})", R"({"userId"})",
                             R"({"userId":nul})", "{\"requestId\":\"a\nb\"}", "{\"requestId\":\"\xff\"}"}) {
        INFO(json);
        const Read r = read_both(json);
        CHECK_FALSE(r.scanned);
        CHECK_FALSE(r.ok);
        CHECK_FALSE(r.error.empty());
    }
}

TEST_CASE("json reader: the decoders give one answer whichever way a record was read", "[codec]") {
    // The same request, once as we write it and once with an escape that makes the document read it.
    const RecordOrigin origin{"coupon-issue-topic", 3, 42, 1764583200123, "7"};
    const auto plain = decode_request(R"({"userId":42,"couponPolicyId":"7","requestId":"r-1","requestedAt":"2026-12-01T10:00:00+09:00"})",
                                      std::nullopt, origin);
    const auto escaped = decode_request(R"({"userId":42,"couponPolicyId":"7","requestId":"r\u002d1","requestedAt":"2026-12-01T10:00:00+09:00"})",
                                        std::nullopt, origin);
    REQUIRE(plain.value);
    REQUIRE(escaped.value);
    CHECK(plain.value->request_id == escaped.value->request_id);
    CHECK(plain.value->policy_id == 7);
    CHECK(escaped.value->policy_id == 7);
    CHECK(plain.value->requested_at == escaped.value->requested_at);
    const auto bad_time = decode_request(R"({"userId":42,"couponPolicyId":7,"requestedAt":"yesterday"})", std::nullopt, origin);
    CHECK(bad_time.error == "invalid requestedAt");
    const auto no_user = decode_request(R"({"userId":"x","couponPolicyId":7})", std::nullopt, origin);
    CHECK(no_user.error == "missing or invalid userId");
}
