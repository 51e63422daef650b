#pragma once
// Builds the dead-letter record for an issue record that cannot be processed, with Spring's
// DeadLetterPublishingRecoverer headers so Spring tooling can read our DLT and vice versa.
#include <librdkafka/rdkafka.h>

#include <string>

#include "coupon/messaging/kafka_config.hpp"
#include "producer.hpp"

namespace coupon::messaging {

inline constexpr const char* kPoisonExceptionClass =
    "org.springframework.kafka.support.serializer.DeserializationException";

// Same key, value and headers as `message`, plus kafka_original-topic/-partition/-offset (raw bytes like
// Spring: UTF-8, 4-byte and 8-byte big-endian) and kafka_exception-fqcn/-message.
OutRecord dead_letter_record(const KafkaConfig& config, const rd_kafka_message_t& message,
                             const std::string& exception_class, const std::string& error);

std::string big_endian_32(std::int32_t v);
std::string big_endian_64(std::int64_t v);

}  // namespace coupon::messaging
