#include "spring_retry_records.hpp"

#include <algorithm>
#include <array>
#include <functional>
#include <set>

#include "record_view.hpp"

namespace coupon::messaging {
namespace {

// Replaced at every hop (Spring strips the previous exception headers too).
bool replaced_header(const std::string& name) {
    static constexpr std::array names{kAttemptsHeader,           kBackoffHeader,          kExceptionClassHeader,
                                      kExceptionCauseClassHeader, kExceptionMessageHeader, kExceptionStacktraceHeader};
    return std::find(names.begin(), names.end(), name) != names.end();
}

std::size_t record_bytes(const OutRecord& r) {
    std::size_t n = r.key.size() + r.value.size();
    for (const auto& [name, value] : r.headers) n += name.size() + value.size() + 8;
    return n;
}

bool our_header(const std::string& name) {
    return name.rfind("kafka_", 0) == 0 || name.rfind("retry_topic-", 0) == 0 || name.rfind("coupon_", 0) == 0 ||
           name == kTypeIdHeader;
}

void fit_forward_limit(OutRecord& r, const Forward& forward) {
    if (record_bytes(r) <= kMaxForwardBytes) return;
    const std::size_t original = r.value.size();
    if (forward.compact_value && forward.compact_value->size() < original) {
        r.value = *forward.compact_value;
    }
    if (record_bytes(r) > kMaxForwardBytes && r.value.size() > kCutValueBytes) r.value.resize(kCutValueBytes);
    if (record_bytes(r) > kMaxForwardBytes) {
        std::erase_if(r.headers, [](const auto& h) { return !our_header(h.first); });
    }
    if (record_bytes(r) > kMaxForwardBytes) {
        for (auto& h : r.headers) {
            if (h.second.size() > 1024) h.second.resize(1024);
        }
    }
    if (r.key.size() > kCutValueBytes) r.key.resize(kCutValueBytes);
    if (r.value.size() != original) r.headers.emplace_back(kOriginalSizeHeader, std::to_string(original));
}

}  // namespace

OutRecord forward_record(const rd_kafka_message_t& message, const Forward& forward) {
    OutRecord r;
    r.topic = forward.topic;
    r.partition = forward.partitions > 0 ? message.partition % forward.partitions : RD_KAFKA_PARTITION_UA;
    r.key = key_of(message);
    r.value = std::string(payload_of(message));
    std::set<std::string, std::less<>> present;
    for (auto& [name, value] : headers_of(message)) {
        if (replaced_header(name)) continue;
        present.insert(name);
        r.headers.emplace_back(std::move(name), std::move(value));
    }
    // Like Spring's DeadLetterRecordManager with appendOriginalHeaders=false (what @RetryableTopic sets): each
    // original header is added when the record does not carry it yet, so they describe the first failure.
    const auto original = [&](const char* name, std::string value) {
        if (!present.contains(name)) r.headers.emplace_back(name, std::move(value));
    };
    original(kOriginalTopicHeader, rd_kafka_topic_name(message.rkt));
    original(kOriginalPartitionHeader, big_endian_32(message.partition));
    original(kOriginalOffsetHeader, big_endian_64(message.offset));
    rd_kafka_timestamp_type_t type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
    const std::int64_t ts = rd_kafka_message_timestamp(&message, &type);
    if (ts >= 0) {
        original(kSpringOriginalTimestampHeader, big_endian_64(ts));
        // Java's TimestampType names.
        original(kOriginalTimestampTypeHeader,
                 type == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME ? "LogAppendTime" : "CreateTime");
        original(kOriginalTimestampHeader, java_big_integer(ts));
    }
    if (!forward.group_id.empty()) original(kOriginalGroupHeader, forward.group_id);
    r.headers.emplace_back(kAttemptsHeader, big_endian_32(forward.attempts));
    if (forward.due_millis) r.headers.emplace_back(kBackoffHeader, java_big_integer(*forward.due_millis));
    r.headers.emplace_back(kExceptionClassHeader, forward.exception_class);
    // Spring's cause is the listener's own exception inside ListenerExecutionFailedException; ours has no
    // wrapper, so the cause is the failure itself, and the "stack trace" is its first line as Java prints it.
    r.headers.emplace_back(kExceptionCauseClassHeader, forward.exception_class);
    const std::string error = forward.error.substr(0, kMaxErrorBytes);
    r.headers.emplace_back(kExceptionMessageHeader, error);
    r.headers.emplace_back(kExceptionStacktraceHeader, forward.exception_class + ": " + error);
    fit_forward_limit(r, forward);
    return r;
}

OutRecord dead_letter_record(const KafkaConfig& config, const rd_kafka_message_t& message,
                             const std::string& exception_class, const std::string& error) {
    Forward f;
    f.topic = config.topics.dlt;
    f.partitions = config.topics.partitions;
    f.attempts = read_retry_info(message).attempts;
    f.group_id = config.group_id;
    f.exception_class = exception_class;
    f.error = error;
    return forward_record(message, f);
}

RetryInfo read_retry_info(const rd_kafka_message_t& message) {
    // Most records come straight from a front end, with no retry header at all: one pass over the names
    // says so, instead of a lookup per header name (seven) for every record of a batch.
    rd_kafka_headers_t* headers = nullptr;
    if (rd_kafka_message_headers(&message, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR || headers == nullptr) return {};
    bool any = false;
    const char* name = nullptr;
    const void* value = nullptr;
    std::size_t size = 0;
    for (std::size_t i = 0; !any && rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
         ++i) {
        const std::string_view n(name);
        any = n.starts_with("retry_topic-") || n.starts_with("kafka_");
    }
    if (!any) return {};
    return read_retry_info([&message](const char* header) { return last_header(message, header); });
}

RecordOrigin original_origin(const rd_kafka_message_t& message, const RetryInfo& info) {
    const std::string_view key =
        message.key ? std::string_view(static_cast<const char*>(message.key), message.key_len) : std::string_view{};
    rd_kafka_timestamp_type_t type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
    const std::int64_t timestamp = rd_kafka_message_timestamp(&message, &type);
    return original_origin(info, {rd_kafka_topic_name(message.rkt), message.partition, message.offset, timestamp, key});
}

}  // namespace coupon::messaging
