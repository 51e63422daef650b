#pragma once
// Builds the records that move a failed issue record on: to the next retry topic or to the DLT, with the
// headers of Spring's DeadLetterPublishingRecoverer / @RetryableTopic, so Spring tooling can read our retry
// topics and DLT and vice versa:
//   retry_topic-attempts            deliveries so far, 4-byte big-endian int (Spring 2.8+)
//   retry_topic-backoff-timestamp   due time, epoch millis, java.math.BigInteger.toByteArray()
//   retry_topic-original-timestamp  timestamp of the first record, BigInteger bytes
//   kafka_original-topic/-partition/-offset   UTF-8, 4-byte and 8-byte big-endian; set at the first failure
//                                   and kept when the record moves on, so they always name the main record
//   kafka_exception-fqcn/-message   the latest failure (replaced at every hop)
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "coupon/messaging/kafka_config.hpp"
#include "coupon/messaging/message_codec.hpp"
#include "producer.hpp"

namespace coupon::messaging {

inline constexpr const char* kPoisonExceptionClass =
    "org.springframework.kafka.support.serializer.DeserializationException";
inline constexpr const char* kStoreExceptionClass = "coupon.StoreError";

inline constexpr const char* kAttemptsHeader = "retry_topic-attempts";
inline constexpr const char* kBackoffHeader = "retry_topic-backoff-timestamp";
inline constexpr const char* kOriginalTimestampHeader = "retry_topic-original-timestamp";
inline constexpr const char* kOriginalTopicHeader = "kafka_original-topic";
inline constexpr const char* kOriginalPartitionHeader = "kafka_original-partition";
inline constexpr const char* kOriginalOffsetHeader = "kafka_original-offset";
inline constexpr const char* kSpringOriginalTimestampHeader = "kafka_original-timestamp";
inline constexpr const char* kExceptionClassHeader = "kafka_exception-fqcn";
inline constexpr const char* kExceptionMessageHeader = "kafka_exception-message";
// Set by an operator's dead-letter replay (value: the dead letter's id). Only such a record may replace a
// stored FAILED outcome; it travels with the record through the retry topics (a coupon_ header is ours).
inline constexpr const char* kReplayHeader = "coupon_replay-of";
// Set when a forwarded record's value had to be cut or replaced: the original value's size in bytes (text).
inline constexpr const char* kOriginalSizeHeader = "coupon_original-value-bytes";

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
    std::optional<std::int64_t> due_millis;  // retry topics only
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

// What the headers say about a record's history.
struct RetryInfo {
    int attempts = 1;  // no header: first delivery
    std::optional<std::int64_t> due_millis;
    std::optional<std::string> original_topic;
    std::optional<std::int32_t> original_partition;
    std::optional<std::int64_t> original_offset;
    // retry_topic-original-timestamp, else Spring's DLT kafka_original-timestamp.
    std::optional<std::int64_t> original_timestamp;
};
RetryInfo read_retry_info(const rd_kafka_message_t& message);
// A record on a retry topic or the DLT is still the main topic's record: a missing requestId is derived from
// where it was first read (kafka_original-*, the original timestamp header, the unchanged key), so it keeps
// the identity it got at its first delivery. The result refers to `info`'s strings and `message`'s key.
RecordOrigin original_origin(const rd_kafka_message_t& message, const RetryInfo& info);

std::string big_endian_32(std::int32_t v);
std::string big_endian_64(std::int64_t v);
// java.math.BigInteger.valueOf(v).toByteArray(): minimal two's complement, big-endian.
std::string java_big_integer(std::int64_t v);
// Reads a number header written by any Spring version: BigInteger / fixed-width big-endian bytes, or
// decimal text (Spring 2.7.0 wrote the due time as a string). nullopt when it is neither.
std::optional<std::int64_t> read_number_header(std::string_view bytes);

}  // namespace coupon::messaging
