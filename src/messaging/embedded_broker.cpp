#include "coupon/messaging/embedded_broker.hpp"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <stdexcept>
#include <utility>
#include <vector>

#include "client_config.hpp"
#include "retry_stages.hpp"
#include "coupon/base/log.hpp"

namespace coupon::messaging {

std::unique_ptr<EmbeddedBroker> EmbeddedBroker::start(const KafkaConfig& config) {
    std::unique_ptr<EmbeddedBroker> broker(new EmbeddedBroker());
    // The mock cluster needs an owner handle; an idle producer without bootstrap.servers is enough.
    ConfHandle conf(rd_kafka_conf_new());
    set_property(conf.get(), "client.id", "coupon-embedded-broker");
    set_property(conf.get(), "log_level", "3");  // silences "no bootstrap.servers configured"
    broker->owner_ = make_client(RD_KAFKA_PRODUCER, std::move(conf));
    broker->cluster_.reset(rd_kafka_mock_cluster_new(broker->owner_.get(), config.embedded.brokers));
    if (!broker->cluster_) throw std::runtime_error("cannot start the embedded Kafka broker");

    // Auto-creation would give 4 partitions; create ours with the configured counts.
    const TopicConfig& t = config.topics;
    std::vector<std::pair<std::string, int>> topics = {{t.issue, t.partitions}};
    for (const auto& stage : retry_stages(config)) topics.emplace_back(stage.topic, t.partitions);
    topics.emplace_back(t.dlt, t.partitions);
    topics.emplace_back(t.results, t.partitions);
    for (const auto& [name, partitions] : topics) {
        const rd_kafka_resp_err_t err =
            rd_kafka_mock_topic_create(broker->cluster_.get(), name.c_str(), partitions, config.embedded.brokers);
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
            throw std::runtime_error("embedded broker: cannot create topic " + name + ": " + rd_kafka_err2str(err));
        }
    }
    broker->bootstrap_servers_ = rd_kafka_mock_cluster_bootstraps(broker->cluster_.get());
    log::warn("kafka",
              "embedded Kafka broker (librdkafka mock, {} broker(s)) listening on {}: memory only, unconsumed "
              "requests are lost on restart; for a demo or tests, not production",
              config.embedded.brokers, broker->bootstrap_servers_);
    return broker;
}

EmbeddedBroker::~EmbeddedBroker() {
    // librdkafka aborts when the owner goes first; members would do it in this order too, but say it.
    cluster_.reset();
    owner_.reset();
}

KafkaConfig EmbeddedBroker::client_config(KafkaConfig config) const {
    config.bootstrap_servers = bootstrap_servers_;
    config.embedded_broker = true;
    return config;
}

}  // namespace coupon::messaging
