#pragma once
// Builds the records that move a failed issue record on: to the next retry topic or to the DLT, with the
// headers of Spring's DeadLetterPublishingRecoverer / @RetryableTopic, so Spring tooling can read our retry
// topics and DLT and vice versa (the headers are listed in retry_info.hpp).
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "coupon/messaging/kafka_config.hpp"
#include "coupon/messaging/message_codec.hpp"
#include "producer.hpp"
#include "retry_info.hpp"

namespace coupon::messaging {

inline constexpr const char* kPoisonExceptionClass =
    "org.springframework.kafka.support.serializer.DeserializationException";
inline constexpr const char* kStoreExceptionClass = "coupon.StoreError";

// Every forwarded record fits the broker's limit (message.max.bytes, 1,000,000 by default) whatever it
// carried: a record that cannot be forwarded would stop its partition forever. Beyond kMaxForwardBytes the
// value is replaced (Forward::compact_value) or cut to kCutValueBytes, and foreign headers are dropped.
inline constexpr std::size_t kMaxForwardBytes = 512 * 1024;
inline constexpr std::size_t kCutValueBytes = 64 * 1024;
inline constexpr std::size_t kMaxErrorBytes = 4 * 1024;

// Where a record goes next and why.
struct Forward {
    std::string topic;
    int partitions = 0;                      // of `topic`: the record keeps partition % partitions, like Spring
    int attempts = 1;                        // deliveries so far, including the one that just failed
    // The due time: now + the next delay on a retry topic, the failure's time on the DLT (Spring writes it
    // there too, with a delay of 0).
    std::optional<std::int64_t> due_millis;
    std::string group_id;                    // of the consumer that failed: kept from the first failure
    std::string exception_class;
    std::string error;
    // The same request in our own compact encoding, used instead of the original value when the record
    // would be too large to forward (a decodable request must stay decodable at the next stage).
    std::optional<std::string> compact_value;
};

// Same key, value and headers as `message`, with the retry/DLT headers above set for `forward`.
OutRecord forward_record(const rd_kafka_message_t& message, const Forward& forward);

// A poison record: straight to the DLT, whatever stage it was read in.
OutRecord dead_letter_record(const KafkaConfig& config, const rd_kafka_message_t& message,
                             const std::string& exception_class, const std::string& error);

// The record's retry headers (retry_info.hpp) read through librdkafka.
RetryInfo read_retry_info(const rd_kafka_message_t& message);
// original_origin (retry_info.hpp) with the message's own topic, partition, offset, timestamp and key.
RecordOrigin original_origin(const rd_kafka_message_t& message, const RetryInfo& info);

}  // namespace coupon::messaging
