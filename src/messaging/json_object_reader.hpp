#pragma once
// The named fields of one JSON object, for the record codecs. Every request and result record of this
// service is a flat object of numbers, plain strings and nulls (base/json_writer.hpp writes them), and the
// result listener and the consumers read one per request: building a Boost.JSON document for each cost
// about a third of the result listener's thread (perf, 2026-11-30). So a flat object is scanned in place,
// and anything else (an escape, a nested value, a fraction, a duplicate key, bytes beyond ASCII, invalid
// JSON) is handed to Boost.JSON, whose answer is then the only one: the scan never accepts what the
// document would read differently (test/fuzz/json_object_fuzz.cpp compares the two on every input).
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/value.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "coupon/domain/types.hpp"

namespace coupon::messaging {

struct JsonField {
    enum class Kind { Missing, Null, Integer, String, Other };
    Kind kind = Kind::Missing;
    std::int64_t integer = 0;                   // Integer
    std::string_view text;                      // String: its characters, unescaped
    const boost::json::value* value = nullptr;  // Other: the document's value (a fraction, an array, ...)

    friend bool operator==(const JsonField& a, const JsonField& b) {
        return a.kind == b.kind && a.integer == b.integer && a.text == b.text;
    }
};

// Where a document read through Boost.JSON lives while its fields are used.
class JsonDocument {
public:
    JsonDocument() : arena_(scratch_, sizeof scratch_) {}
    JsonDocument(const JsonDocument&) = delete;
    JsonDocument& operator=(const JsonDocument&) = delete;
    // Parses `json` into the arena; false with `ec` when it is not JSON.
    bool parse(std::string_view json, boost::system::error_code& ec);
    const boost::json::value& root() const { return *root_; }

private:
    unsigned char scratch_[4096];  // a record's nodes come from the stack, not an allocation each
    boost::json::monotonic_resource arena_;
    // Built in place: assigning a parsed value here would copy it out of the arena, node by node.
    std::optional<boost::json::value> root_;
};

enum class JsonReading { ScanFirst, DocumentOnly };

// Reads the object in `json`: fields[i] becomes keys[i]'s value (Missing when absent); other keys are
// ignored. False, with `error`, when `json` is not a JSON object. `document` holds what Other fields
// point to. DocumentOnly skips the scan (for the tests that compare the two).
bool read_json_object(std::string_view json, std::span<const std::string_view> keys, std::span<JsonField> fields,
                      JsonDocument& document, std::string& error, JsonReading reading = JsonReading::ScanFirst);

// The scan alone: true when `json` is a flat object it reads (the fields then hold its values).
bool scan_flat_object(std::string_view json, std::span<const std::string_view> keys, std::span<JsonField> fields);

// Lenient readers, as json_fields.hpp reads a document's values (Jackson writes ids as numbers, some
// clients as strings; times as text, epoch milliseconds or LocalDateTime's array).
std::optional<std::int64_t> read_int64(const JsonField& field);
std::optional<domain::TimePoint> read_time(const JsonField& field);
std::optional<std::string> read_string(const JsonField& field);

}  // namespace coupon::messaging
