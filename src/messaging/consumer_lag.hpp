#pragma once
// Consumer lag per partition under kafka_exporter's name and labels, so existing dashboards and alerts work:
//   kafka_consumergroup_lag{consumergroup="...",topic="...",partition="N"}
// = the partition's high watermark minus the group's committed offset, as librdkafka's statistics report it
// (consumer_lag) to the member that owns the partition. A member exports only what it owns: a partition that
// moves away stops being exported here (its new owner, on this node or another, exports it).
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

    // One statistics JSON document of the member's handle (statistics.interval.ms).
    void on_statistics(std::string_view json, const std::set<std::int32_t>& owned);
    // Partitions this member no longer owns.
    void forget(const std::set<std::int32_t>& partitions);

private:
    base::Metrics::Value& gauge(std::int32_t partition);

    std::string group_;
    std::string topic_;
    std::map<std::int32_t, base::Metrics::Value*> gauges_;
};

}  // namespace coupon::messaging
