#pragma once
// How far the issue group has decided each partition of the issue topic, and how fast: read from the group's
// committed offsets (any node can, member or not), sampled on demand at most every 250 ms and kept for
// 10 s. A stored request's place in the queue is its offset minus the committed offset; its estimated wait
// is that place divided by the partition's decide rate over the kept samples (from the last one before the
// partition started moving).
#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <vector>

#include "backlog_probe.hpp"
#include "coupon/base/monotonic_clock.hpp"
#include "coupon/domain/stored_requests.hpp"
#include "coupon/messaging/kafka_config.hpp"

namespace coupon::messaging {

class PartitionProgress {
public:
    // clock: sample ages and rates (a test's manual clock ages a sample without waiting).
    PartitionProgress(const KafkaConfig& config, const base::MonotonicClock& clock)
        : config_(config), clock_(clock), probe_(config) {}

    // nullopt when the broker did not answer (or the partition does not exist). Thread-safe; blocks for at
    // most one committed-offsets request (5 s bound) when the newest sample is older than 250 ms.
    std::optional<domain::QueuePlace> place(domain::RecordLocation where);
    // From the newest sample when it is at most 1 s old; never blocks (nullopt while a refresh holds the
    // samples, or when they are older).
    std::optional<domain::QueuePlace> recent_place(domain::RecordLocation where);

private:
    struct Sample {
        base::MonotonicClock::TimePoint at;
        std::vector<std::int64_t> done;  // per partition: the committed offset (0 without a commit)
    };
    bool refresh();  // with mutex_ held; false when the broker did not answer
    std::optional<domain::QueuePlace> place_from_samples(domain::RecordLocation where) const;  // mutex_ held

    const KafkaConfig& config_;
    const base::MonotonicClock& clock_;
    BacklogProbe probe_;
    std::mutex mutex_;
    std::int32_t partitions_ = 0;
    std::deque<Sample> samples_;  // oldest first
};

}  // namespace coupon::messaging
