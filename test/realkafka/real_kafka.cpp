#include "real_kafka.hpp"

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <random>
#include <stdexcept>

namespace coupon::test {
namespace {

struct HandleDeleter {
    void operator()(rd_kafka_t* rk) const noexcept { rd_kafka_destroy(rk); }
};
using Handle = std::unique_ptr<rd_kafka_t, HandleDeleter>;

Handle client(rd_kafka_type_t type, const std::string& bootstrap,
              const std::map<std::string, std::string>& extra = {}) {
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    std::map<std::string, std::string> props{{"bootstrap.servers", bootstrap}, {"log_level", "3"}};
    for (const auto& [k, v] : extra) props[k] = v;
    for (const auto& [k, v] : props) {
        if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
            rd_kafka_conf_destroy(conf);
            throw std::runtime_error("test client " + k + ": " + err);
        }
    }
    rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof err);
    if (!rk) throw std::runtime_error(std::string("test client: ") + err);
    return Handle(rk);
}

struct Metadata {
    const rd_kafka_metadata_t* md = nullptr;
    ~Metadata() {
        if (md) rd_kafka_metadata_destroy(md);
    }
};

void read_metadata(rd_kafka_t* rk, const std::string* topic, Metadata& out) {
    rd_kafka_topic_t* rkt = topic ? rd_kafka_topic_new(rk, topic->c_str(), nullptr) : nullptr;
    const auto err = rd_kafka_metadata(rk, topic ? 0 : 1, rkt, &out.md, 10000);
    if (rkt) rd_kafka_topic_destroy(rkt);
    if (err) throw std::runtime_error(std::string("metadata: ") + rd_kafka_err2str(err));
}

std::map<std::string, std::string> topic_configs(rd_kafka_t* rk, const std::string& topic) {
    char err[512];
    rd_kafka_ConfigResource_t* resource = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str());
    rd_kafka_AdminOptions_t* options = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS);
    rd_kafka_AdminOptions_set_request_timeout(options, 10000, err, sizeof err);
    rd_kafka_queue_t* queue = rd_kafka_queue_new(rk);
    rd_kafka_DescribeConfigs(rk, &resource, 1, options, queue);
    rd_kafka_event_t* event = rd_kafka_queue_poll(queue, 15000);
    std::map<std::string, std::string> out;
    std::string failure;
    if (!event) {
        failure = "DescribeConfigs timed out";
    } else if (rd_kafka_event_error(event)) {
        failure = std::string("DescribeConfigs: ") + rd_kafka_event_error_string(event);
    } else {
        size_t count = 0;
        const rd_kafka_ConfigResource_t** resources =
            rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(event), &count);
        for (size_t i = 0; i < count; ++i) {
            if (rd_kafka_ConfigResource_error(resources[i])) {
                failure = std::string("DescribeConfigs ") + topic + ": " +
                          rd_kafka_ConfigResource_error_string(resources[i]);
                continue;
            }
            size_t entries = 0;
            const rd_kafka_ConfigEntry_t** configs = rd_kafka_ConfigResource_configs(resources[i], &entries);
            for (size_t e = 0; e < entries; ++e) {
                const char* value = rd_kafka_ConfigEntry_value(configs[e]);
                out[rd_kafka_ConfigEntry_name(configs[e])] = value ? value : "";
            }
        }
    }
    if (event) rd_kafka_event_destroy(event);
    rd_kafka_queue_destroy(queue);
    rd_kafka_AdminOptions_destroy(options);
    rd_kafka_ConfigResource_destroy(resource);
    if (!failure.empty()) throw std::runtime_error(failure);
    return out;
}

}  // namespace

std::optional<RealKafka> RealKafka::from_environment() {
    const char* bootstrap = std::getenv("COUPON_KAFKA_BOOTSTRAP_SERVERS");
    if (!bootstrap || !*bootstrap) return std::nullopt;
    const char* dir = std::getenv("KAFKATMP_DIR");
    return RealKafka{bootstrap, dir ? dir : ""};
}

void RealKafka::broker(const std::string& command, int node) const {
    if (dir.empty()) throw std::runtime_error("KAFKATMP_DIR is not set: the cluster is not a kafkatmp one");
    const std::string line =
        std::string(COUPON_KAFKATMP_SCRIPT) + " " + command + " " + dir + " " + std::to_string(node);
    if (std::system(line.c_str()) != 0) throw std::runtime_error("failed: " + line);
}

std::map<std::string, std::string> TestTopics::env(const RealKafka& kafka) const {
    return {{"COUPON_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrap}, {"COUPON_KAFKA_TOPICS_ISSUE", issue},
            {"COUPON_KAFKA_TOPICS_RETRY_1", retry_1},           {"COUPON_KAFKA_TOPICS_RETRY_2", retry_2},
            {"COUPON_KAFKA_TOPICS_DLT", dlt},                   {"COUPON_KAFKA_TOPICS_RESULTS", results},
            {"COUPON_KAFKA_CONSUMER_GROUP_ID", group}};
}

TestTopics unique_topics(const std::string& tag) {
    // Tests of one run share the cluster; a random part keeps a rerun (or a parallel run) apart too.
    static std::atomic<int> sequence{0};
    std::random_device rd;
    const std::string prefix = "rk-" + tag + "-" + std::to_string(rd() % 1000000) + "-" + std::to_string(++sequence);
    // Spring's names: <issue>-retry-<delay>, <issue>.DLT (the retry groups are derived from the suffix).
    return {prefix + "-issue", prefix + "-issue-retry-1000", prefix + "-issue-retry-2000", prefix + "-issue.DLT",
            prefix + "-result", prefix + "-group"};
}

TopicDescription describe_topic(const std::string& bootstrap, const std::string& topic) {
    Handle rk = client(RD_KAFKA_PRODUCER, bootstrap);
    Metadata md;
    read_metadata(rk.get(), &topic, md);
    TopicDescription out;
    if (md.md->topic_cnt != 1 || md.md->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR) return out;
    out.exists = true;
    const auto& t = md.md->topics[0];
    for (int p = 0; p < t.partition_cnt; ++p) {
        out.replicas.push_back(t.partitions[p].replica_cnt);
        out.isr.push_back(t.partitions[p].isr_cnt);
        out.leaders.push_back(t.partitions[p].leader);
    }
    out.configs = topic_configs(rk.get(), topic);
    return out;
}

std::vector<int> live_brokers(const std::string& bootstrap) {
    Handle rk = client(RD_KAFKA_PRODUCER, bootstrap);
    Metadata md;
    read_metadata(rk.get(), nullptr, md);
    std::vector<int> out;
    for (int i = 0; i < md.md->broker_cnt; ++i) out.push_back(md.md->brokers[i].id);
    return out;
}

std::vector<std::int64_t> high_watermarks(const std::string& bootstrap, const std::string& topic, int partitions) {
    Handle rk = client(RD_KAFKA_CONSUMER, bootstrap, {{"group.id", "realkafka-test-watermarks"}});
    std::vector<std::int64_t> out;
    for (int p = 0; p < partitions; ++p) {
        int64_t low = 0, high = 0;
        const auto err = rd_kafka_query_watermark_offsets(rk.get(), topic.c_str(), p, &low, &high, 10000);
        if (err) throw std::runtime_error("watermarks of " + topic + ": " + rd_kafka_err2str(err));
        out.push_back(high);
    }
    return out;
}

std::vector<KafkaRecord> read_topic_records(const std::string& bootstrap, const std::string& topic,
                                            std::chrono::milliseconds timeout) {
    Handle rk = client(RD_KAFKA_CONSUMER, bootstrap,
                       {{"group.id", "realkafka-test-reader"}, {"enable.auto.commit", "false"},
                        {"enable.partition.eof", "true"}, {"isolation.level", "read_committed"}});
    const auto desc = describe_topic(bootstrap, topic);
    if (!desc.exists) throw std::runtime_error("no topic " + topic);
    const int partitions = static_cast<int>(desc.leaders.size());
    const auto highs = high_watermarks(bootstrap, topic, partitions);
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
    int open = 0;
    for (int p = 0; p < partitions; ++p) {
        if (highs[static_cast<std::size_t>(p)] == 0) continue;
        rd_kafka_topic_partition_list_add(list, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
        ++open;
    }
    rd_kafka_assign(rk.get(), list);
    rd_kafka_topic_partition_list_destroy(list);
    std::vector<KafkaRecord> out;
    std::map<int, bool> done;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (static_cast<int>(done.size()) < open && std::chrono::steady_clock::now() < deadline) {
        rd_kafka_message_t* m = rd_kafka_consumer_poll(rk.get(), 200);
        if (!m) continue;
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            if (m->offset >= highs[static_cast<std::size_t>(m->partition)]) done[m->partition] = true;
        } else if (!m->err) {
            KafkaRecord r;
            r.partition = m->partition;
            r.offset = m->offset;
            r.timestamp_ms = rd_kafka_message_timestamp(m, nullptr);
            if (m->key) r.key.assign(static_cast<const char*>(m->key), m->key_len);
            if (m->payload) r.value.assign(static_cast<const char*>(m->payload), m->len);
            rd_kafka_headers_t* headers = nullptr;
            if (rd_kafka_message_headers(m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
                const char* name = nullptr;
                const void* value = nullptr;
                size_t size = 0;
                for (size_t i = 0;
                     rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
                    r.headers[name] = value ? std::string(static_cast<const char*>(value), size) : std::string{};
                }
            }
            out.push_back(std::move(r));
            if (m->offset + 1 >= highs[static_cast<std::size_t>(m->partition)]) done[m->partition] = true;
        }
        rd_kafka_message_destroy(m);
    }
    rd_kafka_consumer_close(rk.get());
    if (static_cast<int>(done.size()) < open) throw std::runtime_error("reading " + topic + " timed out");
    return out;
}

}  // namespace coupon::test
