#pragma once
// The topics a record can travel through (DESIGN.md section 3): main topic -> retry stages -> DLT. Each
// consuming stage knows where a system error sends its records next, like Spring's DestinationTopicResolver.
#include <chrono>
#include <string>
#include <vector>

#include "coupon/messaging/kafka_config.hpp"

namespace coupon::messaging {

struct RetryStage {
    std::string topic;
    std::chrono::milliseconds delay{0};  // how long after the failure a record here becomes due
};

// attempts - 1 stages (none when attempts <= 1).
std::vector<RetryStage> retry_stages(const KafkaConfig& config);

// One consuming stage: main topic (index 0) or retry stage i (index i).
struct ConsumeStage {
    std::string topic;
    std::string group_id;
    int partitions = 0;
    bool delayed = false;                  // records carry a due time (retry_topic-backoff-timestamp)
    std::string next_topic;                // where a system error forwards a record
    std::chrono::milliseconds next_delay{0};  // 0 when next_topic is the DLT
    int next_partitions = 0;
    bool next_is_dlt = false;
};

// Main topic first, then each retry stage.
std::vector<ConsumeStage> consume_stages(const KafkaConfig& config);

// The DLT consumer's group: "<group_id>-dlt".
std::string dead_letter_group(const KafkaConfig& config);

}  // namespace coupon::messaging
