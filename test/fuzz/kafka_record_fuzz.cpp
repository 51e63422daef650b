// scripts/fuzz: -max_len=8192
// The Kafka record decoder as the issue and dead-letter consumers run it (issue_batch_handler.cpp,
// dead_letter_handler.cpp): Spring's retry and DLT headers (read_retry_info, original_origin), then the value
// (decode_request, with __TypeId__ and a requestId derived from the record's origin when it has none). Input
// layout: record_fields.hpp. Checks that a decoded request is one the database and the logs can take, and
// that it survives our own encoding (what a forward to a retry topic re-publishes when it must compact).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "coupon/base/byte_text.hpp"
#include "coupon/base/time_format.hpp"
#include "coupon/messaging/message_codec.hpp"
#include "fuzz_check.hpp"
#include "record_fields.hpp"
#include "retry_info.hpp"

namespace {

using namespace coupon;
using namespace coupon::messaging;
using coupon::fuzz::fail;

// Binary whose every byte is an ASCII digit reads as decimal text: read_number_header's documented
// ambiguity (Spring 2.7.0 wrote the due time as text), harmless as no real header value is such bytes.
bool all_digits(const std::string& bytes) {
    return std::all_of(bytes.begin(), bytes.end(), [](char c) { return c >= '0' && c <= '9'; });
}

void check_numbers(const RetryInfo& info) {
    for (const auto& n : {info.due_millis, info.original_offset, info.original_timestamp}) {
        if (!n) continue;
        const std::string big = java_big_integer(*n), fixed = big_endian_64(*n);
        if (!all_digits(big) && read_number_header(big) != n) fail("BigInteger bytes do not read back", std::to_string(*n));
        if (!all_digits(fixed) && read_number_header(fixed) != n) fail("big-endian bytes do not read back", std::to_string(*n));
    }
    if (info.attempts < 1 || info.attempts >= 1'000'000) fail("attempts out of range", std::to_string(info.attempts));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const fuzz::RecordFields record = fuzz::split_record(data, size);
    const LastHeader last = [&record](const char* name) -> std::optional<std::string_view> {
        auto found = record.last(name);
        if (!found) return std::nullopt;
        return found->value_or(std::string_view());  // librdkafka reports a null value as empty
    };
    const RetryInfo info = read_retry_info(last);
    check_numbers(info);
    const RecordOrigin own{"coupon-issue-topic-retry-1000", 3, 42, 1'795'000'000'000, record.key};
    const RecordOrigin origin = original_origin(info, own);
    // What the dead-letter consumer stores: text columns only take plain text.
    if (!base::is_plain_text(base::storable_text(origin.topic, 512))) fail("stored topic is not plain text", "");

    auto decoded = decode_request(record.value, last(kTypeIdHeader.data()), origin);
    if (!decoded.value) {
        if (decoded.error.empty()) fail("a refused record without a reason", std::string(record.value));
        return 0;
    }
    const domain::IssueRequest& r = *decoded.value;
    if (r.user_id <= 0 || r.policy_id <= 0) fail("non-positive id accepted", std::string(record.value));
    if (!domain::valid_request_id(r.request_id)) fail("invalid requestId accepted", r.request_id);
    if (!base::is_storable_time(r.requested_at)) fail("unstorable requestedAt accepted", std::string(record.value));
    // Our own encoding of it decodes to the same request (a compacted forward must stay the same request).
    const auto again = decode_request(encode_request(r), kRequestTypeId, own);
    if (!again.value || again.value->request_id != r.request_id || again.value->user_id != r.user_id ||
        again.value->policy_id != r.policy_id || again.value->requested_at != r.requested_at) {
        fail("a decoded request does not survive encode_request", encode_request(r));
    }
    return 0;
}
