#pragma once
// Kafka bytes in JSON: a JSON string must be UTF-8, and a dead letter's key, payload or header value may
// be anything (Spring writes partitions and offsets as big-endian binary). The same rules as the store's
// src/store/byte_text.hpp (a candidate to move into coupon_domain, so the two copies become one).
#include <string>
#include <string_view>

namespace coupon::http {

// Valid UTF-8 without NUL.
bool is_plain_text(std::string_view bytes);
std::string base64_encode(std::string_view bytes);

}  // namespace coupon::http
