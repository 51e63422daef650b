#pragma once
// The embedded Kafka broker: librdkafka's mock cluster, which speaks the real Kafka protocol on loopback
// ports. Memory only, for a laptop, a demo and tests (see DESIGN.md section 7 for its limits).
#include <memory>
#include <string>

#include "coupon/messaging/handles.hpp"
#include "coupon/messaging/kafka_config.hpp"

namespace coupon::messaging {

class EmbeddedBroker {
public:
    // Starts config.embedded.brokers brokers and creates the five topics with their partition counts.
    // Throws std::runtime_error when the cluster cannot be created.
    static std::unique_ptr<EmbeddedBroker> start(const KafkaConfig& config);
    ~EmbeddedBroker();
    EmbeddedBroker(const EmbeddedBroker&) = delete;
    EmbeddedBroker& operator=(const EmbeddedBroker&) = delete;

    // "127.0.0.1:port,..." (random ports).
    const std::string& bootstrap_servers() const { return bootstrap_servers_; }
    // `config` pointed at this broker, with embedded_broker set (backlog guard on).
    KafkaConfig client_config(KafkaConfig config) const;
    // For fault injection in tests: the rd_kafka_mock_cluster_t*.
    rd_kafka_mock_cluster_s* mock_cluster() const { return cluster_.get(); }

private:
    EmbeddedBroker() = default;
    // Declaration order matters: members are destroyed in reverse, and the cluster must go before its owner.
    KafkaHandle owner_;
    MockClusterHandle cluster_;
    std::string bootstrap_servers_;
};

}  // namespace coupon::messaging
