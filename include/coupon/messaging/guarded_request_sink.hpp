#pragma once
// The embedded broker's front door: a RequestSink in front of KafkaRequestSink that refuses a request
// (Overloaded: the HTTP layer answers 503 SERVICE_BUSY + Retry-After) when its issue partition has no room
// under the BacklogGuard's limit, and tells the guard where each accepted record was stored. The app adds it
// only for the embedded broker; with a real Kafka cluster requests go straight to KafkaRequestSink.
#include "coupon/domain/request_sink.hpp"
#include "coupon/messaging/backlog_guard.hpp"
#include "coupon/messaging/kafka_request_sink.hpp"

namespace coupon::messaging {

class GuardedRequestSink final : public domain::RequestSink {
public:
    // Both must outlive this sink and every pending callback (stop the inner sink before destroying the guard).
    GuardedRequestSink(KafkaRequestSink& inner, BacklogGuard& guard, std::string topic);
    void submit(const domain::IssueRequest& request, Done done) override;

private:
    KafkaRequestSink& inner_;
    BacklogGuard& guard_;
    const std::string topic_;
};

}  // namespace coupon::messaging
