#pragma once
// Shared set-up for the Kafka tier: a fresh embedded broker per test case, test-friendly client settings
// (DESIGN.md section 7), an in-memory store, and a raw librdkafka reader/writer to check what is on the wire.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "coupon/domain/clock.hpp"
#include "coupon/domain/request_sink.hpp"
#include "coupon/messaging/dead_letter_consumer.hpp"
#include "coupon/messaging/embedded_broker.hpp"
#include "coupon/messaging/issue_consumer_group.hpp"
#include "coupon/messaging/kafka_config.hpp"
#include "in_memory_store.hpp"
#include "manual_clock.hpp"

namespace coupon::test {

// Polls `condition` until it holds or `timeout` passes; returns whether it held.
bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout = std::chrono::seconds(30));

struct RawRecord {
    std::int32_t partition = -1;
    std::int64_t offset = -1;
    std::int64_t timestamp = -1;  // CreateTime, epoch millis, as produced
    std::string key;
    std::string value;
    std::map<std::string, std::string> headers;
};

struct KafkaFixture {
    explicit KafkaFixture(int partitions = 2, int consumer_threads = 2);
    ~KafkaFixture();

    messaging::KafkaConfig config;
    std::unique_ptr<messaging::EmbeddedBroker> broker;
    InMemoryStore store;
    domain::SystemClock clock;

    domain::PolicyId add_policy(std::int64_t total);
    // One IssueStore per worker, all backed by `store` (one database).
    messaging::IssueConsumerGroup::StoreFactory store_factory();
    // Starts a group and waits until every member of every topic holds its assignment: on the mock broker a
    // member that joins late rebalances the group, the revoke's commit is refused (the mock refuses commits
    // while a group is joining; a real broker takes them) and the next owner decides those records again and
    // publishes their results twice. Tests about anything but rebalancing start from a settled group.
    // `Settle::No` for a group whose members are meant to fail before or while they are assigned.
    enum class Settle { Yes, No };
    std::unique_ptr<messaging::IssueConsumerGroup> make_group(messaging::IssueConsumerGroup::TestHooks hooks = {},
                                                              Settle settle = Settle::Yes);
    std::unique_ptr<messaging::IssueConsumerGroup> make_group_with_clock(const domain::Clock& clock);
    // The DLT consumer over the same in-memory database.
    std::unique_ptr<messaging::DeadLetterConsumer> make_dlt_consumer();
    // Records currently in `topic` (sum of high watermarks).
    std::int64_t topic_size(const std::string& topic);

    // Reads `topic` from the beginning until `count` records arrived (or 30 s), in partition/offset order.
    std::vector<RawRecord> read_topic(const std::string& topic, std::size_t count);
    // Produces a raw record with the given headers and waits for its delivery; returns its partition/offset.
    RawRecord produce_raw(const std::string& topic, const std::string& key, const std::string& value,
                          const std::map<std::string, std::string>& headers);
    // Committed offset of the issue topic's partition for the group (-1001 when none).
    std::int64_t committed_offset(std::int32_t partition);
    std::int64_t committed_offset(const std::string& group, const std::string& topic, std::int32_t partition);
    std::int64_t high_watermark(const std::string& topic, std::int32_t partition);
};

// Current value of a counter of base::Metrics::global().
std::int64_t counter_value(const std::string& name, const std::string& labels = "");

domain::IssueRequest make_request(domain::UserId user, domain::PolicyId policy, const std::string& request_id);

// Submits and waits for the sink's verdict.
struct Verdict {
    domain::AcceptStatus status = domain::AcceptStatus::Unavailable;
    std::string detail;
    domain::RecordLocation where;
};
Verdict submit_and_wait(domain::RequestSink& sink, const domain::IssueRequest& request);

// Collects verdicts of many asynchronous submits.
class VerdictCollector {
public:
    domain::RequestSink::Done expect(const std::string& request_id);
    bool wait_all(std::size_t count, std::chrono::milliseconds timeout = std::chrono::seconds(30));
    std::map<std::string, domain::AcceptStatus> verdicts() const;

private:
    mutable std::mutex mutex_;
    std::map<std::string, domain::AcceptStatus> verdicts_;
};

}  // namespace coupon::test
