#pragma once
// What librdkafka's statistics say about a producer, as gauges (every statistics.interval.ms, 5 s unless
// configured):
//   coupon_kafka_producer_queue_messages{producer}      records waiting in the producer's queues (msg_cnt)
//   coupon_kafka_broker_rtt_seconds{producer,broker="host:port/id",stat="avg|p99"}   round trips to each broker
// Read on the producer's delivery-report thread, which serves the statistics callback.
#include <map>
#include <string>
#include <string_view>

#include "coupon/base/metrics.hpp"

namespace coupon::messaging {

class ProducerStats {
public:
    explicit ProducerStats(std::string producer);
    void on_statistics(std::string_view json);

private:
    struct Rtt {
        base::Metrics::Value* avg = nullptr;
        base::Metrics::Value* p99 = nullptr;
    };
    Rtt& rtt(const std::string& broker);

    std::string producer_;
    base::Metrics::Value& queue_messages_;
    std::map<std::string, Rtt> rtt_;  // bounded by the cluster's brokers
};

}  // namespace coupon::messaging
