#include "consumer_lag.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <algorithm>

#include "coupon/base/log.hpp"

namespace coupon::messaging {

ConsumerLag::ConsumerLag(std::string group, std::string topic) : group_(std::move(group)), topic_(std::move(topic)) {}

ConsumerLag::Gauges& ConsumerLag::gauges(std::int32_t partition) {
    auto& slot = gauges_[partition];
    if (!slot.records) {
        const std::string labels =
            fmt::format(R"(consumergroup="{}",topic="{}",partition="{}")", group_, topic_, partition);
        slot.records = &base::Metrics::global().gauge(
            "kafka_consumergroup_lag",
            "records of the partition not yet committed by the group (high watermark - committed offset), as "
            "kafka_exporter names it; exported by the member that owns the partition",
            labels);
        slot.seconds = &base::Metrics::global().gauge(
            "coupon_kafka_consumergroup_lag_seconds",
            "age in whole seconds of the oldest record of the partition the owner has not decided (0 without lag; "
            "an upper bound from the newest decided record when none is taken yet)",
            labels);
        slot.seconds->store(base::Metrics::kAbsent, std::memory_order_relaxed);  // until it is known
    }
    return slot;
}

void ConsumerLag::taking(std::int32_t partition, std::int64_t timestamp_ms) {
    if (timestamp_ms >= 0) waiting_since_.try_emplace(partition, timestamp_ms);  // keeps the oldest
}

void ConsumerLag::decided(std::int32_t partition, std::int64_t timestamp_ms) {
    waiting_since_.erase(partition);
    if (timestamp_ms < 0) return;
    auto& newest = decided_[partition];
    newest = std::max(newest, timestamp_ms);
}

std::int64_t ConsumerLag::seconds_behind(std::int32_t partition, std::int64_t lag, std::int64_t now_ms) const {
    if (lag == 0) return 0;
    std::int64_t since = -1;
    if (auto it = waiting_since_.find(partition); it != waiting_since_.end()) {
        since = it->second;
    } else if (auto d = decided_.find(partition); d != decided_.end()) {
        since = d->second;
    }
    if (since < 0) return -1;
    return std::max<std::int64_t>(0, now_ms - since) / 1000;
}

void ConsumerLag::on_statistics(std::string_view json, const std::set<std::int32_t>& owned, std::int64_t now_ms) {
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
        Gauges& g = gauges(p);
        g.records->store(lag->as_int64(), std::memory_order_relaxed);
        const std::int64_t seconds = seconds_behind(p, lag->as_int64(), now_ms);
        if (seconds >= 0) g.seconds->store(seconds, std::memory_order_relaxed);
    }
}

void ConsumerLag::forget(const std::set<std::int32_t>& partitions) {
    for (std::int32_t p : partitions) {
        waiting_since_.erase(p);
        decided_.erase(p);
        if (auto it = gauges_.find(p); it != gauges_.end()) {
            it->second.records->store(base::Metrics::kAbsent);
            it->second.seconds->store(base::Metrics::kAbsent);
        }
    }
}

}  // namespace coupon::messaging
