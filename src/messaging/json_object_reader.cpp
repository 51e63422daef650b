#include "json_object_reader.hpp"

#include <boost/json/parse.hpp>

#include <algorithm>

#include "json_fields.hpp"

namespace coupon::messaging {
namespace json = boost::json;

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The bytes a scanned string may hold as they are: printable ASCII but the quote and the backslash.
constexpr std::array<bool, 256> kPlain = [] {
    std::array<bool, 256> plain{};
    for (int c = 0x20; c < 0x80; ++c) plain[static_cast<std::size_t>(c)] = c != '"' && c != '\\';
    return plain;
}();

// Reads the JSON grammar's subset this service writes; every method answers false at anything outside it,
// and the caller then leaves the whole text to Boost.JSON.
class FlatScanner {
public:
    explicit FlatScanner(std::string_view text) : p_(text.data()), end_(text.data() + text.size()) {}

    bool next(char c) {
        skip_space();
        if (p_ == end_ || *p_ != c) return false;
        ++p_;
        return true;
    }
    bool at_end() {
        skip_space();
        return p_ == end_;
    }
    // A string of printable ASCII without escapes (so its text is its value); without the quotes.
    bool string(std::string_view& out) {
        if (!next('"')) return false;
        const char* start = p_;
        while (p_ < end_ && kPlain[static_cast<unsigned char>(*p_)]) ++p_;
        if (p_ == end_ || *p_ != '"') return false;  // an escape, a control byte, beyond ASCII, or no end
        out = std::string_view(start, static_cast<std::size_t>(p_ - start));
        ++p_;
        return true;
    }
    // A value: a plain string, null, or an integer of at most 18 digits (always an int64, never "-0",
    // never followed by a fraction or an exponent).
    bool value(JsonField& out) {
        skip_space();
        if (p_ == end_) return false;
        if (*p_ == '"') {
            out.kind = JsonField::Kind::String;
            return string(out.text);
        }
        if (*p_ == 'n') {
            if (end_ - p_ < 4 || std::string_view(p_, 4) != "null") return false;
            p_ += 4;
            out.kind = JsonField::Kind::Null;
            return true;
        }
        const bool negative = *p_ == '-';
        if (negative) ++p_;
        if (p_ == end_ || !is_digit(*p_) || (*p_ == '0' && negative)) return false;
        std::int64_t n = 0;
        if (*p_ == '0') {
            ++p_;
        } else {
            for (int digits = 0; p_ < end_ && is_digit(*p_) && digits < 18; ++digits, ++p_) n = n * 10 + (*p_ - '0');
        }
        if (p_ < end_ && (is_digit(*p_) || *p_ == '.' || *p_ == 'e' || *p_ == 'E')) return false;
        out.kind = JsonField::Kind::Integer;
        out.integer = negative ? -n : n;
        return true;
    }

private:
    void skip_space() {
        while (p_ < end_ && is_space(*p_)) ++p_;
    }

    const char* p_;
    const char* end_;
};

JsonField field_of(const json::value* v) {
    JsonField f;
    if (!v) return f;
    if (v->is_null()) {
        f.kind = JsonField::Kind::Null;
    } else if (v->is_int64()) {
        f.kind = JsonField::Kind::Integer;
        f.integer = v->get_int64();
    } else if (v->is_string()) {
        f.kind = JsonField::Kind::String;
        f.text = std::string_view(v->get_string());
    } else {
        f.kind = JsonField::Kind::Other;
        f.value = v;
    }
    return f;
}

}  // namespace

bool JsonDocument::parse(std::string_view json, boost::system::error_code& ec) {
    root_.emplace(json::parse(json::string_view(json.data(), json.size()), ec, &arena_));
    return !ec;
}

bool scan_flat_object(std::string_view json, std::span<const std::string_view> keys, std::span<JsonField> fields) {
    const std::size_t n = std::min(keys.size(), fields.size());
    for (auto& f : fields) f = JsonField{};
    FlatScanner in(json);
    if (!in.next('{')) return false;
    if (in.next('}')) return in.at_end();
    std::size_t expected = 0;  // keys in the order the caller lists them (its encoder's) match at once
    do {
        std::string_view key;
        JsonField value;
        if (!in.string(key) || !in.next(':') || !in.value(value)) return false;
        std::size_t i = expected;
        if (i >= n || keys[i] != key) {
            for (i = 0; i < n && keys[i] != key;) ++i;
        }
        if (i == n) continue;  // a key the caller does not read (Boost.JSON keeps the last of a repeated one)
        // A repeated key the caller reads: which value counts is the document's to settle.
        if (fields[i].kind != JsonField::Kind::Missing) return false;
        fields[i] = value;
        expected = i + 1;
    } while (in.next(','));
    return in.next('}') && in.at_end();
}

bool read_json_object(std::string_view json, std::span<const std::string_view> keys, std::span<JsonField> fields,
                      JsonDocument& document, std::string& error, JsonReading reading) {
    if (reading == JsonReading::ScanFirst && scan_flat_object(json, keys, fields)) return true;
    boost::system::error_code ec;
    if (!document.parse(json, ec)) {
        error = "not JSON: " + ec.message();
        return false;
    }
    if (!document.root().is_object()) {
        error = "not a JSON object";
        return false;
    }
    const json::object& o = document.root().get_object();
    for (std::size_t i = 0; i < std::min(keys.size(), fields.size()); ++i) {
        fields[i] = field_of(o.if_contains(json::string_view(keys[i].data(), keys[i].size())));
    }
    return true;
}

std::optional<std::int64_t> read_int64(const JsonField& field) {
    switch (field.kind) {
        case JsonField::Kind::Integer: return field.integer;
        case JsonField::Kind::String: return read_decimal(field.text);
        case JsonField::Kind::Other: return read_int64(*field.value);
        default: return std::nullopt;
    }
}

std::optional<domain::TimePoint> read_time(const JsonField& field) {
    switch (field.kind) {
        case JsonField::Kind::Integer: return time_of_millis(field.integer);
        case JsonField::Kind::String: return time_of_text(field.text);
        case JsonField::Kind::Other: return read_time(*field.value);
        default: return std::nullopt;
    }
}

std::optional<std::string> read_string(const JsonField& field) {
    if (field.kind != JsonField::Kind::String) return std::nullopt;
    return std::string(field.text);
}

}  // namespace coupon::messaging
