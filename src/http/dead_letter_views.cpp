#include "dead_letter_views.hpp"

#include <boost/json/array.hpp>

#include "coupon/base/byte_text.hpp"
#include "coupon/base/time_format.hpp"

namespace coupon::http {

using base::base64_encode;
using base::is_plain_text;
namespace {

// The bytes as a JSON string: as they are when they are text, else base64 (and `name` is listed).
boost::json::value bytes_json(const std::string& bytes, std::string name, boost::json::array& binary_fields) {
    if (is_plain_text(bytes)) return boost::json::value(bytes);
    binary_fields.emplace_back(std::move(name));
    return boost::json::value(base64_encode(bytes));
}

}  // namespace

boost::json::object dead_letter_json(const domain::DeadLetter& letter) {
    boost::json::array binary_fields;
    boost::json::object headers;
    for (const auto& [name, value] : letter.headers) {
        // Header names are text in Kafka's protocol; a name that is not is shown in base64 like a value.
        const std::string key = is_plain_text(name) ? name : base64_encode(name);
        headers[key] = bytes_json(value, "headers." + key, binary_fields);
    }
    boost::json::object o;
    o["id"] = letter.id;
    o["topic"] = letter.topic;
    o["partition"] = letter.partition;
    o["offset"] = letter.offset;
    o["originalTopic"] = letter.original_topic;
    o["originalPartition"] = letter.original_partition;
    o["originalOffset"] = letter.original_offset;
    o["key"] = bytes_json(letter.key, "key", binary_fields);
    o["payload"] = bytes_json(letter.payload, "payload", binary_fields);
    o["headers"] = std::move(headers);
    o["error"] = bytes_json(letter.error, "error", binary_fields);
    o["createdAt"] = base::format_time(letter.created_at);
    o["replayedAt"] = letter.replayed_at ? boost::json::value(base::format_time(*letter.replayed_at)) : nullptr;
    if (letter.request) {
        o["requestId"] = letter.request->request_id;
        o["userId"] = letter.request->user_id;
        o["couponPolicyId"] = letter.request->policy_id;
    } else {
        o["requestId"] = nullptr;
        o["userId"] = nullptr;
        o["couponPolicyId"] = nullptr;
    }
    o["binaryFields"] = std::move(binary_fields);
    return o;
}

}  // namespace coupon::http
