#include "consumer_lag.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include "coupon/base/log.hpp"

namespace coupon::messaging {

ConsumerLag::ConsumerLag(std::string group, std::string topic) : group_(std::move(group)), topic_(std::move(topic)) {}

base::Metrics::Value& ConsumerLag::gauge(std::int32_t partition) {
    auto& slot = gauges_[partition];
    if (!slot) {
        slot = &base::Metrics::global().gauge(
            "kafka_consumergroup_lag",
            "records of the partition not yet committed by the group (high watermark - committed offset), as "
            "kafka_exporter names it; exported by the member that owns the partition",
            fmt::format(R"(consumergroup="{}",topic="{}",partition="{}")", group_, topic_, partition));
    }
    return *slot;
}

void ConsumerLag::on_statistics(std::string_view json, const std::set<std::int32_t>& owned) {
    boost::system::error_code ec;
    const boost::json::value doc = boost::json::parse(json, ec);
    if (ec || !doc.is_object()) return;
    const auto* topics = doc.as_object().if_contains("topics");
    const auto* topic = topics && topics->is_object() ? topics->as_object().if_contains(topic_) : nullptr;
    const auto* partitions = topic && topic->is_object() ? topic->as_object().if_contains("partitions") : nullptr;
    if (!partitions || !partitions->is_object()) return;
    for (std::int32_t p : owned) {
        const auto* stats = partitions->as_object().if_contains(std::to_string(p));
        const auto* lag = stats && stats->is_object() ? stats->as_object().if_contains("consumer_lag") : nullptr;
        // -1: not known yet (no committed offset or no high watermark fetched); keep the last figure.
        if (!lag || !lag->is_int64() || lag->as_int64() < 0) continue;
        gauge(p).store(lag->as_int64(), std::memory_order_relaxed);
    }
}

void ConsumerLag::forget(const std::set<std::int32_t>& partitions) {
    for (std::int32_t p : partitions) {
        if (auto it = gauges_.find(p); it != gauges_.end()) it->second->store(base::Metrics::kAbsent);
    }
}

}  // namespace coupon::messaging
