#include <array>

#include "coupon/base/json_writer.hpp"
#include "coupon/messaging/message_codec.hpp"
#include "json_object_reader.hpp"

namespace coupon::messaging {

std::string encode_result(const domain::IssueResult& r) {
    std::string out;
    out.reserve(256 + r.error.size());
    base::JsonObjectWriter(out)
        .text("requestId", r.request_id)
        .number("userId", r.user_id)
        .number("couponPolicyId", r.policy_id)
        .text("status", domain::to_string(r.outcome))
        .number_or_null("couponId", r.coupon_id)
        .time_or_null("issuedAt", r.issued_at)
        .time("decidedAt", r.decided_at)
        .number("remaining", r.remaining)
        .text("error", r.error)
        .close();
    return out;
}

Decoded<domain::IssueResult> decode_result(std::string_view value) {
    // In encode_result's order: the reader then matches each key at its first try.
    enum { kRequestId, kUserId, kPolicyId, kStatus, kCouponId, kIssuedAt, kDecidedAt, kRemaining, kError, kFields };
    static constexpr std::array<std::string_view, kFields> kKeys{
        "requestId", "userId", "couponPolicyId", "status", "couponId", "issuedAt", "decidedAt", "remaining", "error"};
    Decoded<domain::IssueResult> out;
    std::array<JsonField, kFields> f;
    JsonDocument document;
    if (!read_json_object(value, kKeys, f, document, out.error)) return out;
    domain::IssueResult r;
    auto request_id = read_string(f[kRequestId]);
    auto status = read_string(f[kStatus]);
    const auto outcome = status ? domain::parse_outcome(*status) : std::nullopt;
    if (!request_id || request_id->empty() || !outcome) {
        out.error = "missing requestId or unknown status";
        return out;
    }
    r.request_id = std::move(*request_id);
    r.outcome = *outcome;
    r.user_id = read_int64(f[kUserId]).value_or(0);
    r.policy_id = read_int64(f[kPolicyId]).value_or(0);
    r.coupon_id = read_int64(f[kCouponId]);
    r.issued_at = read_time(f[kIssuedAt]);
    r.decided_at = read_time(f[kDecidedAt]).value_or(domain::TimePoint{});
    r.remaining = read_int64(f[kRemaining]).value_or(-1);
    if (auto error = read_string(f[kError])) r.error = std::move(*error);
    out.value = std::move(r);
    return out;
}

}  // namespace coupon::messaging
