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

std::int32_t ResultPublisher::batch_partition(const std::vector<domain::IssueResult>& results,
                                             std::int32_t partitions) {
    if (results.empty() || partitions <= 0) return RD_KAFKA_PARTITION_UA;
    return partition_for_key(std::to_string(results.front().policy_id), partitions);
}

void ResultPublisher::append_result_records(const std::vector<domain::IssueResult>& results,
                                            std::vector<OutRecord>& out) const {
    const std::int32_t partition = batch_partition(results, partitions_.load(std::memory_order_relaxed));
    std::string identity;
    {
        std::lock_guard lock(identity_mutex_);
        identity = identity_;
    }
    out.reserve(out.size() + results.size());
    for (const domain::IssueResult& result : results) {
        OutRecord& r = out.emplace_back();
        r.topic = config_.topics.results;
        r.partition = partition;
        r.key = result.request_id;
        r.value = encode_result(result);
        if (!identity.empty()) r.headers.emplace_back(kDatabaseIdHeader, identity);
    }
}

void ResultPublisher::set_database_identity(std::string identity) {
    std::lock_guard lock(identity_mutex_);
    identity_ = std::move(identity);
}

void set_database_identity(ResultPublisher& publisher, std::string identity) {
    publisher.set_database_identity(std::move(identity));
}

}  // namespace coupon::messaging
