#pragma once
// What a consumed record's headers say about its history (Spring's retry and DLT headers), read through a
// plain header lookup rather than librdkafka's message type: the consumers pass a lookup over the message
// (spring_retry_records.cpp), the Kafka record fuzz target (test/fuzz) one over bytes it made up.
//   retry_topic-attempts            deliveries so far, 4-byte big-endian int (Spring 2.8+)
//   retry_topic-backoff-timestamp   due time, epoch millis, java.math.BigInteger.toByteArray()
//   retry_topic-original-timestamp  timestamp of the first record, BigInteger bytes
//   kafka_original-topic/-partition/-offset   UTF-8, 4-byte and 8-byte big-endian; set at the first failure
//                                   and kept when the record moves on, so they always name the main record
//   kafka_original-timestamp/-timestamp-type  8-byte big-endian millis and "CreateTime"/"LogAppendTime";
//                                   set with the other originals
//   kafka_dlt-original-consumer-group   the group that failed first (Spring's name, "dlt-" included), UTF-8
//   kafka_exception-fqcn/-cause-fqcn/-message/-stacktrace   the latest failure (replaced at every hop)
// These are the names @RetryableTopic's DeadLetterPublishingRecovererFactory writes, on its retry topics and
// its DLT alike (spring-kafka 4.1.2, read in its source and checked on a real broker by the realkafka tier's
// Spring peer). A DeadLetterPublishingRecoverer used without @RetryableTopic writes kafka_dlt-original-* and
// kafka_dlt-exception-* instead; the seed uses @RetryableTopic.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "coupon/messaging/message_codec.hpp"

namespace coupon::messaging {

inline constexpr const char* kAttemptsHeader = "retry_topic-attempts";
inline constexpr const char* kBackoffHeader = "retry_topic-backoff-timestamp";
inline constexpr const char* kOriginalTimestampHeader = "retry_topic-original-timestamp";
inline constexpr const char* kOriginalTopicHeader = "kafka_original-topic";
inline constexpr const char* kOriginalPartitionHeader = "kafka_original-partition";
inline constexpr const char* kOriginalOffsetHeader = "kafka_original-offset";
inline constexpr const char* kSpringOriginalTimestampHeader = "kafka_original-timestamp";
inline constexpr const char* kOriginalTimestampTypeHeader = "kafka_original-timestamp-type";
inline constexpr const char* kOriginalGroupHeader = "kafka_dlt-original-consumer-group";
inline constexpr const char* kExceptionClassHeader = "kafka_exception-fqcn";
inline constexpr const char* kExceptionCauseClassHeader = "kafka_exception-cause-fqcn";
inline constexpr const char* kExceptionMessageHeader = "kafka_exception-message";
inline constexpr const char* kExceptionStacktraceHeader = "kafka_exception-stacktrace";
// Set by an operator's dead-letter replay (value: the dead letter's id). Only such a record may replace a
// stored FAILED outcome; it travels with the record through the retry topics (a coupon_ header is ours).
inline constexpr const char* kReplayHeader = "coupon_replay-of";
// Set when a forwarded record's value had to be cut or replaced: the original value's size in bytes (text).
inline constexpr const char* kOriginalSizeHeader = "coupon_original-value-bytes";

// The last value of the named header (like Java's Headers.lastHeader), nullopt when absent. The view must
// stay valid as long as the record it reads.
using LastHeader = std::function<std::optional<std::string_view>(const char* name)>;

struct RetryInfo {
    int attempts = 1;  // no header: first delivery
    std::optional<std::int64_t> due_millis;
    std::optional<std::string> original_topic;
    std::optional<std::int32_t> original_partition;
    std::optional<std::int64_t> original_offset;
    // retry_topic-original-timestamp, else Spring's DLT kafka_original-timestamp.
    std::optional<std::int64_t> original_timestamp;
};
RetryInfo read_retry_info(const LastHeader& last_header);

// A record on a retry topic or the DLT is still the main topic's record: a missing requestId is derived from
// where it was first read (kafka_original-*, the original timestamp header, the unchanged key), so it keeps
// the identity it got at its first delivery. `own` is where this record itself was read (its topic,
// partition, offset, timestamp and key); the result refers to `info`'s strings and `own`'s views.
RecordOrigin original_origin(const RetryInfo& info, const RecordOrigin& own);

std::string big_endian_32(std::int32_t v);
std::string big_endian_64(std::int64_t v);
// java.math.BigInteger.valueOf(v).toByteArray(): minimal two's complement, big-endian.
std::string java_big_integer(std::int64_t v);
// Reads a number header written by any Spring version: BigInteger / fixed-width big-endian bytes, or
// decimal text (Spring 2.7.0 wrote the due time as a string). nullopt when it is neither.
std::optional<std::int64_t> read_number_header(std::string_view bytes);

}  // namespace coupon::messaging
