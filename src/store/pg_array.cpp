#include "pg_array.hpp"

#include <fmt/format.h>

namespace coupon::store {

void PgArray::separate() {
    if (count_++ > 0) text_ += ',';
}

void PgArray::add(std::int64_t value) {
    separate();
    fmt::format_to(std::back_inserter(text_), "{}", value);
}

void PgArray::add(std::string_view text) {
    separate();
    // Always quoted: an unquoted element would be trimmed, and NULL / empty would be ambiguous.
    text_ += '"';
    for (const char c : text) {
        if (c == '"' || c == '\\') text_ += '\\';
        text_ += c;
    }
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
