#pragma once
// Arbitrary bytes in TEXT columns. Kafka keys, values and header values are bytes, but both backends
// store dead letters as text (PostgreSQL TEXT refuses NUL and invalid UTF-8), so bytes that are not
// plain text are kept as base64 and flagged, and read back byte for byte.
#include <optional>
#include <string>
#include <string_view>

namespace coupon::store {

// Valid UTF-8 without NUL: storable in a TEXT column of either backend as is.
bool is_plain_text(std::string_view bytes);

std::string base64_encode(std::string_view bytes);
// nullopt for text that is not padded standard base64.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace coupon::store
