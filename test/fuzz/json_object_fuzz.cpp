// scripts/fuzz: -max_len=2048
// The codecs' object reader (json_object_reader.hpp): its in-place scan of a flat object must never accept a
// text that Boost.JSON reads differently. For every input: when the scan takes it, the document must take it
// too, with the same kind and value for every key the codecs read; and read_json_object, which scans first,
// must answer exactly as the document alone does.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "json_object_reader.hpp"

namespace {

using namespace coupon::messaging;

// The keys both record codecs read, and one that repeats in nothing they write.
constexpr std::array<std::string_view, 11> kKeys{"userId", "couponPolicyId", "requestId", "requestedAt",
                                                  "status", "couponId", "issuedAt", "decidedAt",
                                                  "remaining", "error", ""};

std::string describe(const JsonField& f) {
    return std::to_string(static_cast<int>(f.kind)) + " " + std::to_string(f.integer) + " '" + std::string(f.text) + "'";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using coupon::fuzz::fail;
    const std::string_view json(reinterpret_cast<const char*>(data), size);
    std::array<JsonField, kKeys.size()> scanned, first, document_only;
    const bool scan = scan_flat_object(json, kKeys, scanned);
    JsonDocument doc1, doc2;
    std::string error1, error2;
    const bool read = read_json_object(json, kKeys, first, doc1, error1, JsonReading::ScanFirst);
    const bool whole = read_json_object(json, kKeys, document_only, doc2, error2, JsonReading::DocumentOnly);
    if (scan && !whole) fail("scanned a text the document refuses: " + error2, std::string(json));
    if (read != whole || error1 != error2) fail("scan-first and document-only answer differently", std::string(json));
    if (!whole) return 0;
    for (std::size_t i = 0; i < kKeys.size(); ++i) {
        if (first[i] != document_only[i] || (scan && scanned[i] != document_only[i])) {
            fail("field '" + std::string(kKeys[i]) + "' reads " + describe(first[i]) + " but the document has " +
                     describe(document_only[i]),
                 std::string(json));
        }
        // The lenient readers agree as well (a scanned field never needs the document's value).
        if (read_int64(first[i]) != read_int64(document_only[i]) || read_time(first[i]) != read_time(document_only[i]) ||
            read_string(first[i]) != read_string(document_only[i])) {
            fail("field '" + std::string(kKeys[i]) + "' converts differently", std::string(json));
        }
    }
    return 0;
}
