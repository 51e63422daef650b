#pragma once
// A JSON object written straight into a string, for the texts written once per request (the request and
// result records, the issue answer). Building a boost::json::object first and serializing it allocated for
// every field and hashed every key: about a tenth of the issue worker's time with the time formatting
// (perf). Readers stay on boost::json; everything else may keep building objects.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "coupon/base/time_point.hpp"

namespace coupon::base {

// `text` as a JSON string, quotes included, escaped as boost::json::serialize escapes it: '"', '\\' and
// the control characters; other bytes are copied as they are.
void append_json_string(std::string& out, std::string_view text);
// An integer's decimal digits, without a format string to parse (JSON numbers, URLs, HTTP heads).
void append_integer(std::string& out, std::int64_t value);

class JsonObjectWriter {
public:
    // Appends to `out`; the object is complete after close().
    explicit JsonObjectWriter(std::string& out) : out_(out) { out_ += '{'; }

    // Keys are the caller's literals: written as they are, never escaped.
    JsonObjectWriter& text(std::string_view key, std::string_view value);
    JsonObjectWriter& number(std::string_view key, std::int64_t value);
    JsonObjectWriter& number_or_null(std::string_view key, std::optional<std::int64_t> value);
    JsonObjectWriter& time(std::string_view key, TimePoint value);  // format_time's text
    JsonObjectWriter& time_or_null(std::string_view key, std::optional<TimePoint> value);
    JsonObjectWriter& boolean(std::string_view key, bool value);
    JsonObjectWriter& null(std::string_view key);

    void close() { out_ += '}'; }

private:
    void key(std::string_view name);

    std::string& out_;
    bool first_ = true;
};

}  // namespace coupon::base
