#include "coupon/messaging/issue_topic_reader.hpp"

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <deque>
#include <mutex>
#include <unordered_map>

#include "client_config.hpp"
#include "coupon/base/log.hpp"
#include "coupon/messaging/message_codec.hpp"
#include "spring_retry_records.hpp"
#include "partition_progress.hpp"
#include "record_view.hpp"

namespace coupon::messaging {
namespace {

using Answer = domain::StoredRequests::Answer;
using Clock = std::chrono::steady_clock;

constexpr std::chrono::milliseconds kWatermarkTimeout{1000};
constexpr std::chrono::milliseconds kFetchTimeout{1500};
// Places already confirmed: a record stays where it is (until retention deletes it, days later), so a client
// polling its status URL costs one fetch, not one per poll.
constexpr std::size_t kRemembered = 10'000;

int millis(std::chrono::milliseconds d) { return static_cast<int>(d.count()); }

}  // namespace

struct IssueTopicReader::Impl {
    Impl(KafkaConfig c, const base::MonotonicClock& clock) : config(std::move(c)), progress(config, clock) {}

    KafkaConfig config;
    PartitionProgress progress;  // its own lock and client: a place is asked while no lookup holds mutex
    std::mutex mutex;  // one lookup at a time: they share the handle and its assignment
    KafkaHandle consumer;
    std::unordered_map<std::string, domain::PolicyId> confirmed;  // place key -> the request's policy
    std::deque<std::string> confirmed_order;  // oldest first, to forget beyond kRemembered

    static std::string place_key(const std::string& id, domain::RecordLocation where) {
        return std::to_string(where.partition) + '-' + std::to_string(where.offset) + '/' + id;
    }

    void remember(std::string key, domain::PolicyId policy) {
        if (!confirmed.emplace(key, policy).second) return;
        confirmed_order.push_back(std::move(key));
        if (confirmed_order.size() > kRemembered) {
            confirmed.erase(confirmed_order.front());
            confirmed_order.pop_front();
        }
    }

    domain::PolicyId found_policy = 0;  // of the record the last matching fetch read

    Answer look(const std::string& request_id, domain::RecordLocation where) {
        if (!consumer) consumer = make_client(RD_KAFKA_CONSUMER, make_conf(config, ClientRole::Listener));
        const std::string& topic = config.topics.issue;
        int64_t low = 0, high = 0;
        const rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(consumer.get(), topic.c_str(), where.partition,
                                                                         &low, &high, millis(kWatermarkTimeout));
        if (err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION) {
            return Answer::DoesNotHold;  // the topic has no such partition (per the broker's metadata)
        }
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            log::warn("kafka", {.request_id = request_id, .topic = topic, .partition = where.partition, .offset = where.offset},
                      "looking up a request in its topic: {}", rd_kafka_err2str(err));
            return Answer::CannotTell;
        }
        if (where.offset < low || where.offset >= high) return Answer::DoesNotHold;
        return fetch(request_id, where);
    }

    Answer fetch(const std::string& request_id, domain::RecordLocation where) {
        const std::string& topic = config.topics.issue;
        PartitionList assignment(rd_kafka_topic_partition_list_new(1));
        rd_kafka_topic_partition_list_add(assignment.get(), topic.c_str(), where.partition)->offset = where.offset;
        if (rd_kafka_resp_err_t err = rd_kafka_assign(consumer.get(), assignment.get())) {
            log::warn("kafka", {.request_id = request_id, .topic = topic, .partition = where.partition, .offset = where.offset},
                      "looking up a request in its topic: assign: {}", rd_kafka_err2str(err));
            return Answer::CannotTell;
        }
        Answer answer = Answer::CannotTell;
        const auto deadline = Clock::now() + kFetchTimeout;
        while (Clock::now() < deadline) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
            MessageHandle m(rd_kafka_consumer_poll(consumer.get(), std::max(1, millis(left))));
            if (!m) continue;
            if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) continue;
            if (m->err == RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE) {
                answer = Answer::DoesNotHold;  // deleted by retention between the watermarks and the fetch
                break;
            }
            if (m->err) continue;
            if (m->partition != where.partition || m->offset < where.offset) continue;
            answer = matches(*m, request_id, where) ? Answer::Holds : Answer::DoesNotHold;
            break;
        }
        rd_kafka_assign(consumer.get(), nullptr);
        return answer;
    }

    bool matches(const rd_kafka_message_t& m, const std::string& request_id, domain::RecordLocation where) {
        // A record the broker skipped to (a compacted or aborted one) is not the one the client was given.
        if (m.offset != where.offset) return false;
        const RecordOrigin origin = original_origin(m, read_retry_info(m));
        const auto decoded = decode_request(payload_of(m), last_header(m, kTypeIdHeader.data()), origin);
        if (!decoded.value || decoded.value->request_id != request_id) return false;
        found_policy = decoded.value->policy_id;
        return true;
    }
};

IssueTopicReader::IssueTopicReader(KafkaConfig config, const base::MonotonicClock& clock)
    : impl_(std::make_unique<Impl>(std::move(config), clock)) {}

IssueTopicReader::~IssueTopicReader() = default;

domain::StoredRequests::Answer IssueTopicReader::holds(const std::string& request_id, domain::RecordLocation where) {
    if (!where.known()) return Answer::DoesNotHold;
    Impl& r = *impl_;
    std::lock_guard lock(r.mutex);
    std::string key = Impl::place_key(request_id, where);
    if (r.confirmed.count(key) != 0) return Answer::Holds;
    Answer answer = Answer::CannotTell;
    try {
        r.found_policy = 0;
        answer = r.look(request_id, where);
    } catch (const std::exception& e) {
        log::warn("kafka", {.request_id = request_id}, "looking up a request in its topic: {}", e.what());
        r.consumer.reset();  // a fresh handle next time
        return Answer::CannotTell;
    }
    if (answer == Answer::Holds) r.remember(std::move(key), r.found_policy);
    return answer;
}

std::optional<domain::QueuePlace> IssueTopicReader::place_in_queue(domain::RecordLocation where) {
    if (!where.known()) return std::nullopt;
    return impl_->progress.place(where);
}

std::optional<domain::PolicyId> IssueTopicReader::policy_at(const std::string& request_id,
                                                            domain::RecordLocation where) {
    Impl& r = *impl_;
    std::lock_guard lock(r.mutex);
    auto it = r.confirmed.find(Impl::place_key(request_id, where));
    if (it == r.confirmed.end() || it->second == 0) return std::nullopt;
    return it->second;
}

std::optional<domain::QueuePlace> IssueTopicReader::recent_place(domain::RecordLocation where) {
    if (!where.known()) return std::nullopt;
    return impl_->progress.recent_place(where);
}

}  // namespace coupon::messaging
