#include "producer_stats.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

namespace coupon::messaging {
namespace {

constexpr std::size_t kMaxBrokers = 64;  // series per producer; a larger cluster keeps the first ones

}  // namespace

ProducerStats::ProducerStats(std::string producer)
    : producer_(std::move(producer)),
      queue_messages_(base::Metrics::global().gauge(
          "coupon_kafka_producer_queue_messages",
          "records in the producer's queues, not yet acknowledged (librdkafka statistics msg_cnt)",
          fmt::format(R"(producer="{}")", producer_))) {}

ProducerStats::Rtt& ProducerStats::rtt(const std::string& broker) {
    auto& slot = rtt_[broker];
    if (!slot.avg) {
        const auto labels = [&](const char* stat) {
            return fmt::format(R"(producer="{}",broker="{}",stat="{}")", producer_, broker, stat);
        };
        const char* help = "request round-trip time to a broker over the last statistics window (librdkafka rtt)";
        slot.avg = &base::Metrics::global().scaled_gauge("coupon_kafka_broker_rtt_seconds", help, labels("avg"), 1e6);
        slot.p99 = &base::Metrics::global().scaled_gauge("coupon_kafka_broker_rtt_seconds", help, labels("p99"), 1e6);
    }
    return slot;
}

void ProducerStats::on_statistics(std::string_view json) {
    boost::system::error_code ec;
    const boost::json::value doc = boost::json::parse(json, ec);
    if (ec || !doc.is_object()) return;
    const auto& root = doc.as_object();
    if (const auto* count = root.if_contains("msg_cnt"); count && count->is_int64()) {
        queue_messages_.store(count->as_int64(), std::memory_order_relaxed);
    }
    const auto* brokers = root.if_contains("brokers");
    if (!brokers || !brokers->is_object()) return;
    for (const auto& [key, broker] : brokers->as_object()) {
        if (!broker.is_object()) continue;
        const auto& b = broker.as_object();
        // Bootstrap entries (nodeid -1) are not brokers of the cluster.
        const auto* id = b.if_contains("nodeid");
        if (!id || !id->is_int64() || id->as_int64() < 0) continue;
        const auto* window = b.if_contains("rtt");
        if (!window || !window->is_object()) continue;
        const auto* avg = window->as_object().if_contains("avg");
        const auto* p99 = window->as_object().if_contains("p99");
        // A window without requests reports 0: keep the last figure rather than claim an instant broker.
        if (!avg || !avg->is_int64() || avg->as_int64() <= 0) continue;
        const std::string name(key);  // librdkafka's "host:port/nodeid"
        if (rtt_.size() >= kMaxBrokers && !rtt_.count(name)) continue;
        Rtt& r = rtt(name);
        r.avg->store(avg->as_int64(), std::memory_order_relaxed);
        if (p99 && p99->is_int64()) r.p99->store(p99->as_int64(), std::memory_order_relaxed);
    }
}

}  // namespace coupon::messaging
