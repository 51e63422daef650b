#include "coupon/messaging/ensure_topics.hpp"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <stdexcept>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "client_config.hpp"
#include "retry_stages.hpp"
#include "coupon/base/log.hpp"

namespace coupon::messaging {
namespace {

int broker_count(rd_kafka_t* rk, std::chrono::milliseconds timeout) {
    const rd_kafka_metadata_t* md = nullptr;
    const rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, nullptr, &md, static_cast<int>(timeout.count()));
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        throw std::runtime_error(std::string("Kafka metadata: ") + rd_kafka_err2str(err));
    }
    const int brokers = md->broker_cnt;
    rd_kafka_metadata_destroy(md);
    return brokers;
}

// A topic just created is not served at once: each partition's leader learns of it from the metadata log a
// moment later, and until then ListOffsets/Produce/Fetch answer "Not leader for partition" (seen on Kafka
// 4.4 a few hundred ms after CreateTopics returned). Waits until every partition answers a ListOffsets (what
// the result listener does first) or the deadline, then says what is still not served.
// The first partition of `topic` that is not served yet, with why ("" when all are). The metadata request
// also puts the topic in the handle's cache, without which ListOffsets fails locally ("Unknown partition").
std::string first_unserved(rd_kafka_t* rk, const std::string& topic) {
    rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
    const rd_kafka_metadata_t* md = nullptr;
    const rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 0, rkt, &md, 2000);
    rd_kafka_topic_destroy(rkt);
    std::string why;
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        why = rd_kafka_err2str(err);
    } else if (md->topic_cnt != 1 || md->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        why = md->topic_cnt == 1 ? rd_kafka_err2str(md->topics[0].err) : "not in the metadata";
    } else {
        for (int p = 0; p < md->topics[0].partition_cnt && why.empty(); ++p) {
            int64_t low = 0, high = 0;
            const rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(rk, topic.c_str(), p, &low, &high, 2000);
            if (e != RD_KAFKA_RESP_ERR_NO_ERROR) why = "[" + std::to_string(p) + "] " + rd_kafka_err2str(e);
        }
    }
    if (md) rd_kafka_metadata_destroy(md);
    return why.empty() ? why : topic + " " + why;
}

// A topic just created is not served at once: each partition's leader learns of it from the metadata log a
// moment later, and until then ListOffsets/Produce/Fetch answer "Not leader for partition" (seen on Kafka
// 4.4 a few hundred ms after CreateTopics returned, and the result listener's first ListOffsets made the
// node give up). Waits until every partition answers a ListOffsets or the deadline.
void wait_until_served(rd_kafka_t* rk, const std::vector<std::pair<std::string, int>>& topics,
                       std::chrono::steady_clock::time_point deadline) {
    std::string pending;
    int looks = 0;
    do {
        if (looks++ > 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
        pending.clear();
        for (const auto& topic : topics) {
            pending = first_unserved(rk, topic.first);
            if (!pending.empty()) break;
        }
    } while (!pending.empty() && std::chrono::steady_clock::now() < deadline);
    if (!pending.empty()) throw std::runtime_error("topic not served by its leader in time: " + pending);
    if (looks > 1) log::info("kafka", "every partition of the topics is served (after {} looks)", looks);
}

struct NewTopicsDeleter {
    std::vector<rd_kafka_NewTopic_t*>* topics;
    void operator()(void*) const noexcept {
        for (auto* t : *topics) rd_kafka_NewTopic_destroy(t);
    }
};

}  // namespace

void ensure_topics(const KafkaConfig& config, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    KafkaHandle admin = make_client(RD_KAFKA_PRODUCER, make_conf(config, ClientRole::Producer));
    const int brokers = broker_count(admin.get(), timeout);
    const int rf = std::max(1, std::min(config.topics.replication_factor, brokers));
    const TopicConfig& t = config.topics;
    if (rf < t.replication_factor) {
        log::warn("kafka", "the cluster has {} broker(s): topics are created with replication factor {}, not {} "
                           "(and min.insync.replicas {})",
                  brokers, rf, t.replication_factor, std::min(2, rf));
    }
    std::vector<std::pair<std::string, int>> wanted = {{t.issue, t.partitions}};
    for (const auto& stage : retry_stages(config)) wanted.emplace_back(stage.topic, t.partitions);
    wanted.emplace_back(t.dlt, t.partitions);
    wanted.emplace_back(t.results, t.partitions);
    std::vector<rd_kafka_NewTopic_t*> topics;
    std::unique_ptr<void, NewTopicsDeleter> cleanup(&topics, NewTopicsDeleter{&topics});
    char err[512];
    for (const auto& [name, partitions] : wanted) {
        rd_kafka_NewTopic_t* nt = rd_kafka_NewTopic_new(name.c_str(), partitions, rf, err, sizeof err);
        if (!nt) throw std::runtime_error("topic " + name + ": " + err);
        topics.push_back(nt);
        rd_kafka_NewTopic_set_config(nt, "retention.ms", std::to_string(t.retention_ms).c_str());
        rd_kafka_NewTopic_set_config(nt, "cleanup.policy", "delete");
        // acks=all means "every in-sync replica": with fewer than 2 in sync a lone broker could ack and lose it.
        rd_kafka_NewTopic_set_config(nt, "min.insync.replicas", std::to_string(std::min(2, rf)).c_str());
    }

    rd_kafka_AdminOptions_t* options = rd_kafka_AdminOptions_new(admin.get(), RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_AdminOptions_set_request_timeout(options, static_cast<int>(timeout.count()), err, sizeof err);
    rd_kafka_AdminOptions_set_operation_timeout(options, static_cast<int>(timeout.count()), err, sizeof err);
    rd_kafka_queue_t* queue = rd_kafka_queue_new(admin.get());
    rd_kafka_CreateTopics(admin.get(), topics.data(), topics.size(), options, queue);
    rd_kafka_event_t* event = rd_kafka_queue_poll(queue, static_cast<int>(timeout.count()) + 5000);
    rd_kafka_AdminOptions_destroy(options);

    std::string failure;
    if (!event) {
        failure = "CreateTopics timed out";
    } else if (rd_kafka_event_error(event) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        failure = std::string("CreateTopics: ") + rd_kafka_event_error_string(event);
    } else {
        size_t count = 0;
        const rd_kafka_topic_result_t** results =
            rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &count);
        for (size_t i = 0; i < count; ++i) {
            const rd_kafka_resp_err_t e = rd_kafka_topic_result_error(results[i]);
            const char* name = rd_kafka_topic_result_name(results[i]);
            if (e == RD_KAFKA_RESP_ERR_NO_ERROR) {
                log::info("kafka", "created topic {} (replication factor {})", name, rf);
            } else if (e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
                // Left as it is: its partitions and settings are the cluster operator's (or an earlier node's).
                log::info("kafka", "topic {} exists: not created", name);
            } else if (failure.empty()) {
                const char* why = rd_kafka_topic_result_error_string(results[i]);
                failure = std::string("topic ") + name + ": " + (why ? why : rd_kafka_err2str(e));
            }
        }
    }
    if (event) rd_kafka_event_destroy(event);
    rd_kafka_queue_destroy(queue);
    if (!failure.empty()) throw std::runtime_error(failure);
    const auto at_least = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    wait_until_served(admin.get(), wanted, std::max(deadline, at_least));
}

}  // namespace coupon::messaging
