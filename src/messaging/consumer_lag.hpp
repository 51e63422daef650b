#pragma once
// Consumer lag per partition under kafka_exporter's name and labels, so existing dashboards and alerts work:
//   kafka_consumergroup_lag{consumergroup="...",topic="...",partition="N"}
// = the partition's high watermark minus the group's committed offset, as librdkafka's statistics report it
// (consumer_lag) to the member that owns the partition. A member exports only what it owns: a partition that
// moves away stops being exported here (its new owner, on this node or another, exports it).
//
// Next to it, the same lag in time (whole seconds, from the records' own timestamps):
//   coupon_kafka_consumergroup_lag_seconds{consumergroup="...",topic="...",partition="N"}
// 0 when the lag is 0; otherwise the age of the oldest record this member took into a batch and has not
// decided yet, or, when it has none, the age of the newest record it decided (the oldest unprocessed record
// was written after that one: an upper bound, close under steady traffic, and growing when the consumer is
// stuck, which is what an alert needs). Not exported until one of them is known. On a retry topic it
// includes the stage's intended delay.
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include "coupon/base/metrics.hpp"

namespace coupon::messaging {

class ConsumerLag {
public:
    ConsumerLag(std::string group, std::string topic);

    // One statistics JSON document of the member's handle (statistics.interval.ms); now_ms: wall clock,
    // milliseconds since the epoch (as record timestamps).
    void on_statistics(std::string_view json, const std::set<std::int32_t>& owned, std::int64_t now_ms);
    // Record timestamps (ms since the epoch; negative: none): the first record of a partition in a batch
    // about to be decided, and the newest record of a partition in a batch just decided.
    void taking(std::int32_t partition, std::int64_t timestamp_ms);
    void decided(std::int32_t partition, std::int64_t timestamp_ms);
    // Partitions this member no longer owns.
    void forget(const std::set<std::int32_t>& partitions);

private:
    struct Gauges {
        base::Metrics::Value* records = nullptr;
        base::Metrics::Value* seconds = nullptr;
    };
    Gauges& gauges(std::int32_t partition);
    // The lag in seconds when `lag` records are behind; -1 when not known.
    std::int64_t seconds_behind(std::int32_t partition, std::int64_t lag, std::int64_t now_ms) const;

    std::string group_;
    std::string topic_;
    std::map<std::int32_t, Gauges> gauges_;
    std::map<std::int32_t, std::int64_t> waiting_since_;  // oldest record taken, not decided yet
    std::map<std::int32_t, std::int64_t> decided_;        // newest record decided
};

}  // namespace coupon::messaging
