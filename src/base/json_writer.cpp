#include "coupon/base/json_writer.hpp"

#include <charconv>

#include "coupon/base/time_format.hpp"

namespace coupon::base {

void append_json_string(std::string& out, std::string_view text) {
    static constexpr char kHex[] = "0123456789abcdef";
    out += '"';
    std::size_t run = 0;  // start of the bytes not yet copied
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        out.append(text.data() + run, i - run);
        run = i + 1;
        out += '\\';
        switch (c) {
            case '"': out += '"'; break;
            case '\\': out += '\\'; break;
            case '\b': out += 'b'; break;
            case '\f': out += 'f'; break;
            case '\n': out += 'n'; break;
            case '\r': out += 'r'; break;
            case '\t': out += 't'; break;
            default:
                out += "u00";
                out += kHex[c >> 4];
                out += kHex[c & 0xf];
        }
    }
    out.append(text.data() + run, text.size() - run);
    out += '"';
}

void append_integer(std::string& out, std::int64_t value) {
    char digits[24];
    out.append(digits, std::to_chars(digits, digits + sizeof digits, value).ptr);
}

void JsonObjectWriter::key(std::string_view name) {
    if (!first_) out_ += ',';
    first_ = false;
    out_ += '"';
    out_ += name;
    out_ += "\":";
}

JsonObjectWriter& JsonObjectWriter::text(std::string_view name, std::string_view value) {
    key(name);
    append_json_string(out_, value);
    return *this;
}

JsonObjectWriter& JsonObjectWriter::number(std::string_view name, std::int64_t value) {
    key(name);
    append_integer(out_, value);
    return *this;
}

JsonObjectWriter& JsonObjectWriter::number_or_null(std::string_view name, std::optional<std::int64_t> value) {
    return value ? number(name, *value) : null(name);
}

JsonObjectWriter& JsonObjectWriter::time(std::string_view name, TimePoint value) {
    key(name);
    out_ += '"';
    append_time(out_, value);
    out_ += '"';
    return *this;
}

JsonObjectWriter& JsonObjectWriter::time_or_null(std::string_view name, std::optional<TimePoint> value) {
    return value ? time(name, *value) : null(name);
}

JsonObjectWriter& JsonObjectWriter::boolean(std::string_view name, bool value) {
    key(name);
    out_ += value ? "true" : "false";
    return *this;
}

JsonObjectWriter& JsonObjectWriter::null(std::string_view name) {
    key(name);
    out_ += "null";
    return *this;
}

}  // namespace coupon::base
