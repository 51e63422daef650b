#include "retry_stages.hpp"

#include <cmath>

namespace coupon::messaging {

std::vector<RetryStage> retry_stages(const KafkaConfig& config) {
    std::vector<RetryStage> out;
    double delay = static_cast<double>(config.retry.delay.count());
    for (int i = 0; i + 1 < config.retry.attempts; ++i) {
        const auto ms = std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(delay)));
        std::string topic = i == 0   ? config.topics.retry_1
                            : i == 1 ? config.topics.retry_2
                                     : config.topics.issue + "-retry-" + std::to_string(ms.count());
        out.push_back({std::move(topic), ms});
        delay *= config.retry.multiplier;
    }
    return out;
}

std::vector<ConsumeStage> consume_stages(const KafkaConfig& config) {
    const auto retries = retry_stages(config);
    std::vector<ConsumeStage> out;
    for (std::size_t i = 0; i <= retries.size(); ++i) {
        ConsumeStage s;
        if (i == 0) {
            s.topic = config.topics.issue;
            s.group_id = config.group_id;
            s.partitions = config.topics.partitions;
        } else {
            s.topic = retries[i - 1].topic;
            // Spring names a retry listener's group after the main group plus the topic's suffix.
            const std::string& main = config.topics.issue;
            const bool suffixed = s.topic.size() > main.size() && s.topic.compare(0, main.size(), main) == 0;
            s.group_id = config.group_id + (suffixed ? s.topic.substr(main.size()) : "-retry-" + std::to_string(i));
            s.partitions = config.topics.partitions;
            s.delayed = true;
        }
        if (i < retries.size()) {
            s.next_topic = retries[i].topic;
            s.next_delay = retries[i].delay;
            s.next_partitions = config.topics.partitions;
        } else {
            s.next_topic = config.topics.dlt;
            s.next_partitions = config.topics.partitions;
            s.next_is_dlt = true;
        }
        out.push_back(std::move(s));
    }
    return out;
}

std::string dead_letter_group(const KafkaConfig& config) { return config.group_id + "-dlt"; }

}  // namespace coupon::messaging
