#include "pg_array.hpp"

#include <fmt/format.h>

#include "coupon/base/time_format.hpp"

namespace coupon::store {

void PgArray::separate() {
    if (count_++ > 0) text_ += ',';
}

void PgArray::add(std::int64_t value) {
    separate();
    const fmt::format_int digits(value);
    text_.append(digits.data(), digits.size());
}

void PgArray::add(std::string_view text) {
    separate();
    // Always quoted: an unquoted element would be trimmed, and NULL / empty would be ambiguous. Copied a run
    // at a time between the characters that need a backslash (request ids have none).
    text_ += '"';
    for (std::size_t at = 0; at < text.size();) {
        const std::size_t special = text.find_first_of("\"\\", at);
        const std::size_t end = special == std::string_view::npos ? text.size() : special;
        text_.append(text.data() + at, end - at);
        if (end == text.size()) break;
        text_ += '\\';
        text_ += text[end];
        at = end + 1;
    }
    text_ += '"';
}

void PgArray::add_time(domain::TimePoint t) {
    separate();
    text_ += '"';  // ISO 8601 text holds neither a quote nor a backslash
    base::append_time(text_, t);
    text_ += '"';
}

void PgArray::add_null() {
    separate();
    text_ += "NULL";
}

std::string PgArray::take() {
    std::string out = std::move(text_);
    out += '}';
    text_ = "{";
    count_ = 0;
    return out;
}

}  // namespace coupon::store
