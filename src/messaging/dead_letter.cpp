#include "dead_letter.hpp"

#include <type_traits>

namespace coupon::messaging {
namespace {

template <typename T>
std::string big_endian(T v) {
    using U = std::make_unsigned_t<T>;
    const U u = static_cast<U>(v);
    std::string out(sizeof(T), '\0');
    for (std::size_t i = 0; i < sizeof(T); ++i) {
        out[i] = static_cast<char>((u >> (8 * (sizeof(T) - 1 - i))) & 0xff);
    }
    return out;
}

}  // namespace

std::string big_endian_32(std::int32_t v) { return big_endian(v); }
std::string big_endian_64(std::int64_t v) { return big_endian(v); }

OutRecord dead_letter_record(const KafkaConfig& config, const rd_kafka_message_t& message,
                             const std::string& exception_class, const std::string& error) {
    OutRecord r;
    r.topic = config.topics.dlt;
    // Spring keeps the original partition when the DLT has it.
    r.partition = message.partition < config.topics.dlt_partitions ? message.partition : RD_KAFKA_PARTITION_UA;
    if (message.key) r.key.assign(static_cast<const char*>(message.key), message.key_len);
    if (message.payload) r.value.assign(static_cast<const char*>(message.payload), message.len);
    rd_kafka_headers_t* headers = nullptr;
    if (rd_kafka_message_headers(&message, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR && headers) {
        const char* name = nullptr;
        const void* value = nullptr;
        size_t size = 0;
        for (size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
             ++i) {
            r.headers.emplace_back(name, value ? std::string(static_cast<const char*>(value), size) : std::string());
        }
    }
    r.headers.emplace_back("kafka_original-topic", rd_kafka_topic_name(message.rkt));
    r.headers.emplace_back("kafka_original-partition", big_endian_32(message.partition));
    r.headers.emplace_back("kafka_original-offset", big_endian_64(message.offset));
    r.headers.emplace_back("kafka_exception-fqcn", exception_class);
    r.headers.emplace_back("kafka_exception-message", error);
    return r;
}

}  // namespace coupon::messaging
