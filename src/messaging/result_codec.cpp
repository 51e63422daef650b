#include <boost/json/monotonic_resource.hpp>

#include "coupon/base/json_writer.hpp"
#include "coupon/messaging/message_codec.hpp"
#include "json_fields.hpp"

namespace coupon::messaging {

namespace json = boost::json;

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
    Decoded<domain::IssueResult> out;
    boost::system::error_code ec;
    // The document lives only in this call: its nodes come from the stack, not one allocation each.
    unsigned char scratch[4096];
    json::monotonic_resource arena(scratch, sizeof scratch);
    const json::value doc = json::parse(json::string_view(value.data(), value.size()), ec, &arena);
    if (ec || !doc.is_object()) {
        out.error = ec ? "not JSON: " + ec.message() : "not a JSON object";
        return out;
    }
    const json::object& o = doc.get_object();
    domain::IssueResult r;
    auto request_id = read_string(o, "requestId");
    auto status = read_string(o, "status");
    const auto outcome = status ? domain::parse_outcome(*status) : std::nullopt;
    if (!request_id || request_id->empty() || !outcome) {
        out.error = "missing requestId or unknown status";
        return out;
    }
    r.request_id = std::move(*request_id);
    r.outcome = *outcome;
    if (const auto* v = o.if_contains("userId")) r.user_id = read_int64(*v).value_or(0);
    if (const auto* v = o.if_contains("couponPolicyId")) r.policy_id = read_int64(*v).value_or(0);
    if (const auto* v = o.if_contains("couponId"); v && !v->is_null()) r.coupon_id = read_int64(*v);
    if (const auto* v = o.if_contains("issuedAt"); v && !v->is_null()) r.issued_at = read_time(*v);
    if (const auto* v = o.if_contains("decidedAt"); v && !v->is_null()) {
        r.decided_at = read_time(*v).value_or(domain::TimePoint{});
    }
    if (const auto* v = o.if_contains("remaining")) r.remaining = read_int64(*v).value_or(-1);
    if (auto error = read_string(o, "error")) r.error = std::move(*error);
    out.value = std::move(r);
    return out;
}

}  // namespace coupon::messaging
