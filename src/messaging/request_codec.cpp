#include <fmt/format.h>

#include <array>

#include "coupon/base/json_writer.hpp"
#include "coupon/messaging/message_codec.hpp"
#include "json_object_reader.hpp"

namespace coupon::messaging {

namespace {
// FNV-1a 64: fixed by its definition, so an id derived by one build is derived the same by the next
// (std::hash promises neither).
std::uint64_t fnv1a(std::uint64_t h, std::string_view bytes) {
    for (const char c : bytes) {
        h ^= static_cast<unsigned char>(c);
        h *= 0x100000001b3ULL;
    }
    return h;
}
constexpr std::uint64_t kFnvBasis = 0xcbf29ce484222325ULL;
constexpr std::size_t kMaxRequestIdChars = 128;

}  // namespace

std::string derived_request_id(const RecordOrigin& origin, std::string_view value) {
    // The key's length first: ("ab","c") and ("a","bc") must not hash alike.
    std::uint64_t h = fnv1a(kFnvBasis, std::to_string(origin.key.size()) + ":");
    h = fnv1a(fnv1a(h, origin.key), value);
    const std::int64_t timestamp = origin.timestamp < 0 ? 0 : origin.timestamp;
    std::string id = fmt::format("{}-{}-{}-{}-{:016x}", origin.topic, origin.partition, origin.offset, timestamp, h);
    if (id.size() > kMaxRequestIdChars) {
        id = fmt::format("{:016x}-{}-{}-{}-{:016x}", fnv1a(kFnvBasis, origin.topic), origin.partition, origin.offset,
                         timestamp, h);
    }
    return id;
}

std::string request_key(const domain::IssueRequest& request) { return std::to_string(request.policy_id); }

std::string encode_request(const domain::IssueRequest& request) {
    std::string out;
    out.reserve(160);
    base::JsonObjectWriter(out)
        .number("userId", request.user_id)
        .number("couponPolicyId", request.policy_id)
        .text("requestId", request.request_id)
        .time("requestedAt", request.requested_at)
        .close();
    return out;
}

Decoded<domain::IssueRequest> decode_request(std::string_view value, std::optional<std::string_view> type_id,
                                             const RecordOrigin& origin) {
    Decoded<domain::IssueRequest> out;
    if (type_id && *type_id != kRequestTypeId && *type_id != kRequestClassName) {
        out.error = fmt::format("unexpected {} header '{}'", kTypeIdHeader, *type_id);
        return out;
    }
    // In encode_request's order: the reader then matches each key at its first try.
    enum { kUserId, kPolicyId, kRequestId, kRequestedAt, kFields };
    static constexpr std::array<std::string_view, kFields> kKeys{"userId", "couponPolicyId", "requestId", "requestedAt"};
    std::array<JsonField, kFields> f;
    JsonDocument document;
    if (!read_json_object(value, kKeys, f, document, out.error)) return out;
    domain::IssueRequest r;
    r.user_id = read_int64(f[kUserId]).value_or(0);  // 0 when missing or not an integer: refused below
    r.policy_id = read_int64(f[kPolicyId]).value_or(0);
    if (r.user_id <= 0) {
        out.error = "missing or invalid userId";
        return out;
    }
    if (r.policy_id <= 0) {
        out.error = "missing or invalid couponPolicyId";
        return out;
    }
    auto request_id = read_string(f[kRequestId]);
    // The seed's records carry no requestId; derive a stable one so a redelivery keeps its identity.
    r.request_id = request_id && !request_id->empty() ? std::move(*request_id) : derived_request_id(origin, value);
    // Bounded and plain before any database or log line sees it: an 8 KB id or one with NUL or invalid
    // UTF-8 would fail its whole batch on PostgreSQL, every time.
    if (!domain::valid_request_id(r.request_id)) {
        out.error = fmt::format("invalid requestId (1-128 characters of [A-Za-z0-9._:-]), {} bytes", r.request_id.size());
        return out;
    }
    if (f[kRequestedAt].kind != JsonField::Kind::Missing && f[kRequestedAt].kind != JsonField::Kind::Null) {
        const auto t = read_time(f[kRequestedAt]);
        if (!t) {
            out.error = "invalid requestedAt";
            return out;
        }
        r.requested_at = *t;
    }
    r.partition = origin.partition;
    r.offset = origin.offset;
    out.value = std::move(r);
    return out;
}

}  // namespace coupon::messaging
