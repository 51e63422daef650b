#include "broker_view.hpp"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <stdexcept>

namespace coupon::test {

struct BrokerView::Impl {
    std::map<std::string, std::string> groups;
    std::map<std::string, rd_kafka_t*> clients;  // one per group: rd_kafka_committed asks for its own group

    rd_kafka_t* client_for(const std::string& group, const std::string& bootstrap) {
        char err[256];
        rd_kafka_conf_t* conf = rd_kafka_conf_new();
        rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof err);
        rd_kafka_conf_set(conf, "group.id", group.c_str(), err, sizeof err);
        rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof err);
        rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);
        rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
        if (!rk) throw std::runtime_error(std::string("broker view: ") + err);
        return rk;
    }
};

BrokerView::BrokerView(const std::string& bootstrap, std::map<std::string, std::string> groups)
    : impl_(std::make_unique<Impl>()) {
    impl_->groups = std::move(groups);
    for (const auto& [topic, group] : impl_->groups) impl_->clients[topic] = impl_->client_for(group, bootstrap);
}

BrokerView::~BrokerView() {
    for (auto& [topic, rk] : impl_->clients) rd_kafka_destroy(rk);  // never subscribed: nothing to leave
}

std::vector<PartitionView> BrokerView::read(const std::string& topic, int partitions) {
    rd_kafka_t* rk = impl_->clients.at(topic);
    std::vector<PartitionView> out(static_cast<std::size_t>(partitions));
    for (int p = 0; p < partitions; ++p) {
        int64_t low = 0, high = 0;
        const auto err = rd_kafka_query_watermark_offsets(rk, topic.c_str(), p, &low, &high, 5000);
        if (err) throw std::runtime_error("watermarks of " + topic + ": " + rd_kafka_err2str(err));
        out[static_cast<std::size_t>(p)].low = low;
        out[static_cast<std::size_t>(p)].high = high;
    }
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
    for (int p = 0; p < partitions; ++p) rd_kafka_topic_partition_list_add(list, topic.c_str(), p);
    const auto err = rd_kafka_committed(rk, list, 5000);
    for (int i = 0; err == RD_KAFKA_RESP_ERR_NO_ERROR && i < list->cnt; ++i) {
        const auto& e = list->elems[i];
        out[static_cast<std::size_t>(e.partition)].committed = std::max<std::int64_t>(0, e.offset);
    }
    rd_kafka_topic_partition_list_destroy(list);
    if (err) throw std::runtime_error("committed offsets of " + topic + ": " + rd_kafka_err2str(err));
    return out;
}

}  // namespace coupon::test
