#include "kafka_fixture.hpp"

#include <librdkafka/rdkafka.h>

#include <catch2/catch.hpp>
#include <future>
#include <thread>

#include "coupon/base/metrics.hpp"
#include "eventually.hpp"
#include "in_memory_dead_letters.hpp"

namespace coupon::test {

using namespace std::chrono_literals;

namespace {

struct Kafka {
    rd_kafka_t* rk = nullptr;
    ~Kafka() {
        if (rk) rd_kafka_destroy(rk);
    }
};

rd_kafka_conf_t* raw_conf(const std::string& bootstrap) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    char err[256];
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof err);
    rd_kafka_conf_set(conf, "fetch.wait.max.ms", "10", err, sizeof err);
    return conf;
}

rd_kafka_t* new_client(rd_kafka_type_t type, rd_kafka_conf_t* conf) {
    char err[256];
    rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof err);
    REQUIRE(rk != nullptr);
    return rk;
}

}  // namespace

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
    return test::eventually(condition, timeout);
}

KafkaFixture::KafkaFixture(int partitions, int consumer_threads) {
    config.topics.partitions = partitions;
    config.consumer_threads = consumer_threads;
    // Test settings from DESIGN.md section 7: joins take about session.timeout.ms on the mock.
    // Written over the seed's settings (kafka_config.hpp), which stay for the rest.
    config.consumer["session.timeout.ms"] = "6000";
    config.consumer["heartbeat.interval.ms"] = "1000";
    config.consumer["fetch.wait.max.ms"] = "10";
    config.consumer["reconnect.backoff.max.ms"] = "500";
    config.producer["linger.ms"] = "5";
    config.producer["reconnect.backoff.max.ms"] = "500";
    broker = messaging::EmbeddedBroker::start(config);
    config = broker->client_config(config);
}

KafkaFixture::~KafkaFixture() = default;

domain::PolicyId KafkaFixture::add_policy(std::int64_t total) {
    domain::CouponPolicy p;
    p.name = "test";
    p.total_quantity = total;
    return store.add_policy(p);
}

namespace {
// A worker's "database session": the shared in-memory database behind the IssueStore port.
class StoreSession final : public domain::IssueStore {
public:
    explicit StoreSession(InMemoryStore& store) : store_(store) {}
    std::unique_ptr<domain::IssueTransaction> begin() override { return store_.begin(); }

private:
    InMemoryStore& store_;
};
}  // namespace

messaging::IssueConsumerGroup::StoreFactory KafkaFixture::store_factory() {
    return [this] { return std::make_unique<StoreSession>(store); };
}

namespace {
void require_settled(const messaging::IssueConsumerGroup& group) {
    INFO("every member of the group and its retry groups holds an assignment");
    REQUIRE(wait_until([&] { return group.assigned(); }));
}
}  // namespace

std::unique_ptr<messaging::IssueConsumerGroup> KafkaFixture::make_group(messaging::IssueConsumerGroup::TestHooks hooks,
                                                                        Settle settle) {
    auto group = std::make_unique<messaging::IssueConsumerGroup>(config, store_factory(), clock,
                                                               messaging::start_publisher(config), std::move(hooks));
    group->start();
    if (settle == Settle::Yes) require_settled(*group);
    return group;
}

std::unique_ptr<messaging::IssueConsumerGroup> KafkaFixture::make_group_with_clock(const domain::Clock& c) {
    auto group = std::make_unique<messaging::IssueConsumerGroup>(config, store_factory(), c, messaging::start_publisher(config));
    group->start();
    require_settled(*group);
    return group;
}

std::unique_ptr<messaging::DeadLetterConsumer> KafkaFixture::make_dlt_consumer() {
    auto consumer = std::make_unique<messaging::DeadLetterConsumer>(
        config, [this] { return std::make_unique<InMemoryDeadLetters>(store); }, clock, messaging::start_publisher(config));
    consumer->start();
    return consumer;
}


std::int64_t KafkaFixture::topic_size(const std::string& topic) {
    std::int64_t total = 0;
    for (int p = 0; p < config.topics.partitions; ++p) total += std::max<std::int64_t>(0, high_watermark(topic, p));
    return total;
}

std::vector<RawRecord> KafkaFixture::read_topic(const std::string& topic, std::size_t count) {
    rd_kafka_conf_t* conf = raw_conf(config.bootstrap_servers);
    char err[256];
    rd_kafka_conf_set(conf, "group.id", "test-reader", err, sizeof err);
    rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof err);
    Kafka k{new_client(RD_KAFKA_CONSUMER, conf)};
    const int partitions = config.topics.partitions;
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
    for (int p = 0; p < partitions; ++p) {
        rd_kafka_topic_partition_list_add(list, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    }
    REQUIRE(rd_kafka_assign(k.rk, list) == RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_topic_partition_list_destroy(list);
    std::vector<RawRecord> out;
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (out.size() < count && std::chrono::steady_clock::now() < deadline) {
        rd_kafka_message_t* m = rd_kafka_consumer_poll(k.rk, 100);
        if (!m) continue;
        if (!m->err) {
            RawRecord r;
            r.partition = m->partition;
            r.offset = m->offset;
            r.timestamp = rd_kafka_message_timestamp(m, nullptr);
            if (m->key) r.key.assign(static_cast<const char*>(m->key), m->key_len);
            if (m->payload) r.value.assign(static_cast<const char*>(m->payload), m->len);
            rd_kafka_headers_t* h = nullptr;
            if (rd_kafka_message_headers(m, &h) == RD_KAFKA_RESP_ERR_NO_ERROR) {
                const char* name = nullptr;
                const void* value = nullptr;
                size_t size = 0;
                for (size_t i = 0; rd_kafka_header_get_all(h, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
                    r.headers[name] = value ? std::string(static_cast<const char*>(value), size) : std::string();
                }
            }
            out.push_back(std::move(r));
        }
        rd_kafka_message_destroy(m);
    }
    rd_kafka_consumer_close(k.rk);
    std::sort(out.begin(), out.end(), [](const RawRecord& a, const RawRecord& b) {
        return std::tie(a.partition, a.offset) < std::tie(b.partition, b.offset);
    });
    return out;
}

RawRecord KafkaFixture::produce_raw(const std::string& topic, const std::string& key, const std::string& value,
                                    const std::map<std::string, std::string>& headers) {
    rd_kafka_conf_t* conf = raw_conf(config.bootstrap_servers);
    char err[256];
    rd_kafka_conf_set(conf, "partitioner", "murmur2_random", err, sizeof err);
    auto* result = new RawRecord();
    rd_kafka_conf_set_opaque(conf, result);
    rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
        auto* r = static_cast<RawRecord*>(opaque);
        if (!m->err) {
            r->partition = m->partition;
            r->offset = m->offset;
        }
    });
    Kafka k{new_client(RD_KAFKA_PRODUCER, conf)};
    rd_kafka_headers_t* h = rd_kafka_headers_new(headers.size());
    for (const auto& [n, v] : headers) rd_kafka_header_add(h, n.c_str(), -1, v.data(), static_cast<ssize_t>(v.size()));
    // Set here rather than read from the delivery report (librdkafka 2.0.2 reports no usable one there).
    const std::int64_t timestamp = std::chrono::duration_cast<std::chrono::milliseconds>(
                                       std::chrono::system_clock::now().time_since_epoch()).count();
    REQUIRE(rd_kafka_producev(k.rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_KEY(key.data(), key.size()),
                              RD_KAFKA_V_TIMESTAMP(timestamp),
                              RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()), RD_KAFKA_V_HEADERS(h),
                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR_NO_ERROR);
    REQUIRE(rd_kafka_flush(k.rk, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR);
    RawRecord out = *result;
    delete result;
    REQUIRE(out.offset >= 0);
    out.timestamp = timestamp;
    out.key = key;
    out.value = value;
    out.headers = headers;
    return out;
}

std::int64_t KafkaFixture::committed_offset(std::int32_t partition) {
    return committed_offset(config.group_id, config.topics.issue, partition);
}

std::int64_t KafkaFixture::committed_offset(const std::string& group, const std::string& topic, std::int32_t partition) {
    rd_kafka_conf_t* conf = raw_conf(config.bootstrap_servers);
    char err[256];
    rd_kafka_conf_set(conf, "group.id", group.c_str(), err, sizeof err);
    rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof err);
    Kafka k{new_client(RD_KAFKA_CONSUMER, conf)};
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(list, topic.c_str(), partition);
    std::int64_t offset = -2;
    if (rd_kafka_committed(k.rk, list, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR) offset = list->elems[0].offset;
    rd_kafka_topic_partition_list_destroy(list);
    return offset;
}

std::int64_t KafkaFixture::high_watermark(const std::string& topic, std::int32_t partition) {
    Kafka k{new_client(RD_KAFKA_PRODUCER, raw_conf(config.bootstrap_servers))};
    int64_t low = 0, high = -1;
    rd_kafka_query_watermark_offsets(k.rk, topic.c_str(), partition, &low, &high, 5000);
    return high;
}

std::int64_t counter_value(const std::string& name, const std::string& labels) {
    return base::Metrics::global().counter(name, "", labels).load();
}

domain::IssueRequest make_request(domain::UserId user, domain::PolicyId policy, const std::string& request_id) {
    domain::IssueRequest r;
    r.request_id = request_id;
    r.user_id = user;
    r.policy_id = policy;
    r.requested_at = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    return r;
}

Verdict submit_and_wait(domain::RequestSink& sink, const domain::IssueRequest& request) {
    auto promise = std::make_shared<std::promise<Verdict>>();
    auto future = promise->get_future();
    sink.submit(request, [promise](domain::AcceptStatus status, const std::string& detail, domain::RecordLocation where) {
        promise->set_value(Verdict{status, detail, where});
    });
    REQUIRE(future.wait_for(30s) == std::future_status::ready);
    return future.get();
}

domain::RequestSink::Done VerdictCollector::expect(const std::string& request_id) {
    return [this, request_id](domain::AcceptStatus status, const std::string&, domain::RecordLocation) {
        std::lock_guard lock(mutex_);
        verdicts_[request_id] = status;
    };
}

bool VerdictCollector::wait_all(std::size_t count, std::chrono::milliseconds timeout) {
    return wait_until(
        [&] {
            std::lock_guard lock(mutex_);
            return verdicts_.size() >= count;
        },
        timeout);
}

std::map<std::string, domain::AcceptStatus> VerdictCollector::verdicts() const {
    std::lock_guard lock(mutex_);
    return verdicts_;
}

}  // namespace coupon::test
