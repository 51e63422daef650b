#pragma once
// Topic set-up on a real Kafka cluster (the seed creates its topics at start-up with the Admin API).
#include <chrono>

#include "coupon/messaging/kafka_config.hpp"

namespace coupon::messaging {

// Creates the five topics on a REAL cluster through the Admin API when they are missing (an existing topic
// is fine), with replication factor min(configured, brokers), retention and cleanup.policy=delete.
// Never call it against the embedded broker: its Admin API hangs. Throws std::runtime_error on failure.
void ensure_topics(const KafkaConfig& config, std::chrono::milliseconds timeout);

}  // namespace coupon::messaging
