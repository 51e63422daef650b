#include "dead_letter_row.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <tuple>

#include "coupon/base/byte_text.hpp"
#include "sql_text.hpp"

namespace coupon::store {

using base::base64_decode;
using base::base64_encode;
using base::is_plain_text;
namespace {

constexpr std::string_view kText = "text";
constexpr std::string_view kBase64 = "base64";

// Bytes as a column value plus its encoding.
std::pair<std::string, std::string> encode_bytes(const std::string& bytes) {
    if (is_plain_text(bytes)) return {bytes, std::string(kText)};
    return {base64_encode(bytes), std::string(kBase64)};
}

std::string decode_bytes(const std::string& text, const std::string& encoding, std::int64_t id, const char* column) {
    if (encoding == kText) return text;
    if (encoding == kBase64) {
        if (auto bytes = base64_decode(text)) return std::move(*bytes);
    }
    throw domain::StoreError(fmt::format("dead letter {}: {} is not valid '{}'", id, column, encoding));
}

std::string headers_json(const std::vector<std::pair<std::string, std::string>>& headers) {
    boost::json::array out;
    out.reserve(headers.size());
    for (const auto& [name, value] : headers) {
        // A header name is text in Kafka's protocol; guard anyway, JSON cannot carry other bytes.
        const std::string safe_name = is_plain_text(name) ? name : base64_encode(name);
        boost::json::value v = is_plain_text(value) ? boost::json::value(value)
                                                    : boost::json::value{{"base64", base64_encode(value)}};
        out.push_back(boost::json::array{boost::json::value(safe_name), std::move(v)});
    }
    return boost::json::serialize(out);
}

std::vector<std::pair<std::string, std::string>> parse_headers_json(const std::string& text, std::int64_t id) {
    std::vector<std::pair<std::string, std::string>> out;
    const auto corrupt = [&] { return domain::StoreError(fmt::format("dead letter {}: headers are not readable", id)); };
    boost::system::error_code ec;
    const auto parsed = boost::json::parse(text, ec);
    if (ec) throw corrupt();
    if (parsed.is_object() && parsed.get_object().empty()) return out;  // 001's default
    if (!parsed.is_array()) throw corrupt();
    for (const auto& pair : parsed.get_array()) {
        const auto* fields = pair.if_array();
        if (fields == nullptr || fields->size() != 2 || !(*fields)[0].is_string()) throw corrupt();
        std::string name((*fields)[0].get_string());
        const auto& value = (*fields)[1];
        if (value.is_string()) {
            out.emplace_back(std::move(name), std::string(value.get_string()));
            continue;
        }
        const auto* encoded = value.is_object() ? value.get_object().if_contains("base64") : nullptr;
        std::optional<std::string> bytes;
        if (encoded != nullptr && encoded->is_string()) bytes = base64_decode(encoded->get_string());
        if (!bytes) throw corrupt();
        out.emplace_back(std::move(name), std::move(*bytes));
    }
    return out;
}

}  // namespace

void DeadLetterRow::exchange_into(soci::statement& st) {
    st.exchange(soci::into(id));
    st.exchange(soci::into(topic));
    st.exchange(soci::into(partition));
    st.exchange(soci::into(offset));
    st.exchange(soci::into(original_topic));
    st.exchange(soci::into(original_partition));
    st.exchange(soci::into(original_offset));
    st.exchange(soci::into(key, key_ind));
    st.exchange(soci::into(key_encoding));
    st.exchange(soci::into(payload));
    st.exchange(soci::into(payload_encoding));
    st.exchange(soci::into(headers));
    st.exchange(soci::into(error));
    st.exchange(soci::into(created_at));
    st.exchange(soci::into(replayed_at, replayed_ind));
    st.exchange(soci::into(request_id, request_ind));
    st.exchange(soci::into(user_id, user_ind));
    st.exchange(soci::into(policy_id, policy_ind));
    st.exchange(soci::into(requested_at, requested_ind));
}

void DeadLetterRow::exchange_use(soci::statement& st) {
    st.exchange(soci::use(topic));
    st.exchange(soci::use(partition));
    st.exchange(soci::use(offset));
    st.exchange(soci::use(original_topic));
    st.exchange(soci::use(original_partition));
    st.exchange(soci::use(original_offset));
    st.exchange(soci::use(key, key_ind));
    st.exchange(soci::use(key_encoding));
    st.exchange(soci::use(payload));
    st.exchange(soci::use(payload_encoding));
    st.exchange(soci::use(headers));
    st.exchange(soci::use(error));
    st.exchange(soci::use(created_at));
    st.exchange(soci::use(request_id, request_ind));
    st.exchange(soci::use(user_id, user_ind));
    st.exchange(soci::use(policy_id, policy_ind));
    st.exchange(soci::use(requested_at, requested_ind));
}

DeadLetterRow DeadLetterRow::from_domain(const domain::DeadLetter& letter) {
    DeadLetterRow row;
    row.id = letter.id;
    row.topic = letter.topic;
    row.partition = letter.partition;
    row.offset = letter.offset;
    row.original_topic = letter.original_topic;
    row.original_partition = letter.original_partition;
    row.original_offset = letter.original_offset;
    std::tie(row.key, row.key_encoding) = encode_bytes(letter.key);
    row.key_ind = soci::i_ok;
    std::tie(row.payload, row.payload_encoding) = encode_bytes(letter.payload);
    row.headers = headers_json(letter.headers);
    // The error comes from a header or an exception text: keep it storable whatever its bytes.
    row.error = is_plain_text(letter.error) ? letter.error : base64_encode(letter.error);
    row.created_at = db_time(letter.created_at);
    if (letter.replayed_at) {
        row.replayed_at = db_time(*letter.replayed_at);
        row.replayed_ind = soci::i_ok;
    }
    if (const auto& r = letter.request) {
        row.request_id = r->request_id;
        row.user_id = r->user_id;
        row.policy_id = r->policy_id;
        row.requested_at = db_time(r->requested_at);
        row.request_ind = row.user_ind = row.policy_ind = row.requested_ind = soci::i_ok;
    }
    return row;
}

domain::DeadLetter DeadLetterRow::to_domain() const {
    domain::DeadLetter d;
    d.id = id;
    d.topic = topic;
    d.partition = partition;
    d.offset = offset;
    d.original_topic = original_topic;
    d.original_partition = original_partition;
    d.original_offset = original_offset;
    if (key_ind == soci::i_ok) d.key = decode_bytes(key, key_encoding, id, "key");
    d.payload = decode_bytes(payload, payload_encoding, id, "payload");
    d.headers = parse_headers_json(headers, id);
    d.error = error;
    d.created_at = parse_db_time(created_at);
    d.replayed_at = parse_db_time(replayed_at, replayed_ind == soci::i_ok);
    if (request_ind == soci::i_ok && user_ind == soci::i_ok && policy_ind == soci::i_ok && requested_ind == soci::i_ok) {
        domain::IssueRequest r;
        r.request_id = request_id;
        r.user_id = user_id;
        r.policy_id = policy_id;
        r.requested_at = parse_db_time(requested_at);
        // Where the request was first read: the coordinates a consumer gives an IssueRequest.
        r.partition = original_partition;
        r.offset = original_offset;
        d.request = std::move(r);
    }
    return d;
}

}  // namespace coupon::store
