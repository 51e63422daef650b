#include "result_publisher.hpp"

#include "coupon/messaging/message_codec.hpp"
#include "coupon/messaging/partitioner.hpp"

namespace coupon::messaging {

ResultPublisher::ResultPublisher(const KafkaConfig& config)
    // The HTTP answers wait for these results: lingering would only add latency, and a batch's results are
    // produced together anyway.
    : config_(config), producer_(config, "results", {{"linger.ms", "1"}}) {}

ResultPublisher::~ResultPublisher() { producer_.stop(std::chrono::seconds(10)); }

void ResultPublisher::start() {
    producer_.start();
    // The metadata round trip also connects the producer before its first record (Producer::connect).
    partitions_ = partition_count_or(producer_.handle(), config_.topics.results, config_.topics.partitions);
}

std::shared_ptr<ResultPublisher> start_publisher(const KafkaConfig& config) {
    auto publisher = std::make_shared<ResultPublisher>(config);
    publisher->start();
    return publisher;
}

rd_kafka_resp_err_t ResultPublisher::send(const OutRecord& record, Producer::OnReport on_report) {
    return producer_.produce(record, std::move(on_report));
}

OutRecord ResultPublisher::result_record(const domain::IssueResult& result) const {
    OutRecord r;
    r.topic = config_.topics.results;
    r.key = result.request_id;
    r.value = encode_result(result);
    if (const std::int32_t n = partitions_.load(std::memory_order_relaxed); n > 0) {
        r.partition = partition_for_key(std::to_string(result.policy_id), n);
    }
    std::lock_guard lock(identity_mutex_);
    if (!identity_.empty()) r.headers.emplace_back(kDatabaseIdHeader, identity_);
    return r;
}

void ResultPublisher::set_database_identity(std::string identity) {
    std::lock_guard lock(identity_mutex_);
    identity_ = std::move(identity);
}

void set_database_identity(ResultPublisher& publisher, std::string identity) {
    publisher.set_database_identity(std::move(identity));
}

}  // namespace coupon::messaging
