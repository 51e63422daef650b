#include "result_publisher.hpp"

#include "coupon/messaging/message_codec.hpp"

namespace coupon::messaging {

ResultPublisher::ResultPublisher(const KafkaConfig& config)
    // The HTTP answers wait for these results: lingering would only add latency, and a batch's results are
    // produced together anyway.
    : config_(config), producer_(config, "results", {{"linger.ms", "1"}}) {}

ResultPublisher::~ResultPublisher() { producer_.stop(std::chrono::seconds(10)); }

void ResultPublisher::start() { producer_.start(); }

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
    return r;
}

}  // namespace coupon::messaging
