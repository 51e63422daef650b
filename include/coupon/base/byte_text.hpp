#pragma once
// Arbitrary Kafka bytes (keys, values, header values; Spring writes partitions and offsets as big-endian
// binary) where only text fits: TEXT columns (PostgreSQL refuses NUL and invalid UTF-8) and JSON strings.
// Bytes that are not plain text are carried as base64 and flagged, and read back byte for byte.
#include <optional>
#include <string>
#include <string_view>

namespace coupon::base {

// Valid UTF-8 without NUL: storable in a TEXT column of either backend as is.
bool is_plain_text(std::string_view bytes);

// The bytes as valid UTF-8: each byte that does not start a well-formed sequence becomes U+FFFD. For text
// quoted back to a client inside JSON, which must be UTF-8 (RFC 8259), whatever bytes the client sent.
std::string utf8_text(std::string_view bytes);

std::string base64_encode(std::string_view bytes);
// For a column that is text only (a topic name, an error message from the wire): the bytes themselves when
// plain text, else "base64:" + their base64; then cut to at most `max_bytes` on a UTF-8 character boundary.
std::string storable_text(std::string_view bytes, std::size_t max_bytes);
// nullopt for text that is not padded standard base64.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace coupon::base
