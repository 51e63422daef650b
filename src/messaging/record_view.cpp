#include "record_view.hpp"

namespace coupon::messaging {

std::string_view payload_of(const rd_kafka_message_t& m) {
    return m.payload ? std::string_view(static_cast<const char*>(m.payload), m.len) : std::string_view();
}

std::string key_of(const rd_kafka_message_t& m) {
    return m.key ? std::string(static_cast<const char*>(m.key), m.key_len) : std::string();
}

HeaderList headers_of(const rd_kafka_message_t& m) {
    HeaderList out;
    rd_kafka_headers_t* headers = nullptr;
    if (rd_kafka_message_headers(&m, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR || !headers) return out;
    const char* name = nullptr;
    const void* value = nullptr;
    size_t size = 0;
    for (size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
        out.emplace_back(name, value ? std::string(static_cast<const char*>(value), size) : std::string());
    }
    return out;
}

std::optional<std::string_view> last_header(const rd_kafka_message_t& m, const char* name) {
    rd_kafka_headers_t* headers = nullptr;
    if (rd_kafka_message_headers(&m, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR || !headers) return std::nullopt;
    const void* value = nullptr;
    size_t size = 0;
    if (rd_kafka_header_get_last(headers, name, &value, &size) != RD_KAFKA_RESP_ERR_NO_ERROR) return std::nullopt;
    return value ? std::string_view(static_cast<const char*>(value), size) : std::string_view();
}

}  // namespace coupon::messaging
