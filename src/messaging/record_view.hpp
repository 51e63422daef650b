#pragma once
// Read-only helpers over a consumed librdkafka message: payload, key and headers as strings.
#include <librdkafka/rdkafka.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace coupon::messaging {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

std::string_view payload_of(const rd_kafka_message_t& m);
std::string key_of(const rd_kafka_message_t& m);
// Every header in record order (a name may repeat).
HeaderList headers_of(const rd_kafka_message_t& m);
// The last value of header `name`, like Java's Headers.lastHeader.
std::optional<std::string_view> last_header(const rd_kafka_message_t& m, const char* name);

}  // namespace coupon::messaging
