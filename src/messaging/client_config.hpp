#pragma once
// Builds librdkafka configurations: our defaults (the seed's settings), then the user's raw properties.
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "coupon/messaging/handles.hpp"
#include "coupon/messaging/kafka_config.hpp"

namespace coupon::messaging {

enum class ClientRole {
    Producer,       // issue requests, results, dead letters
    GroupConsumer,  // the issue consumer group
    Listener,       // result listener: manual assignment, never commits
    Probe,          // backlog guard: same group.id, never subscribes, only reads committed offsets
};

struct ConfDeleter {
    void operator()(rd_kafka_conf_t* c) const noexcept { rd_kafka_conf_destroy(c); }
};
using ConfHandle = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;

struct TopicPartitionListDeleter {
    void operator()(rd_kafka_topic_partition_list_t* l) const noexcept { rd_kafka_topic_partition_list_destroy(l); }
};
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, TopicPartitionListDeleter>;

struct MessageDeleter {
    void operator()(rd_kafka_message_t* m) const noexcept { rd_kafka_message_destroy(m); }
};
using MessageHandle = std::unique_ptr<rd_kafka_message_t, MessageDeleter>;

// Throws std::invalid_argument naming the property when librdkafka rejects it (start-up only).
void set_property(rd_kafka_conf_t* conf, const std::string& name, const std::string& value);
// Defaults for `role`, then config.common, then the role's map (a group member's session capped on the
// embedded broker: EmbeddedConfig::session_timeout_max), then `overrides` (internal must-haves).
ConfHandle make_conf(const KafkaConfig& config, ClientRole role, const Properties& overrides = {});
// Creates the client; throws std::runtime_error with librdkafka's reason.
KafkaHandle make_client(rd_kafka_type_t type, ConfHandle conf);
// Partition count of `topic` from the broker's metadata; throws std::runtime_error when unknown.
std::int32_t partition_count(rd_kafka_t* rk, const std::string& topic, std::chrono::milliseconds timeout);
// The same within 10 s, or `fallback` with a warning under `component` when the broker does not say.
std::int32_t partition_count_or(rd_kafka_t* rk, const std::string& topic, std::int32_t fallback,
                                const char* component = "kafka");

}  // namespace coupon::messaging
