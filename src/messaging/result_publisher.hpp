#pragma once
// The workers' producer for result records and dead letters. A worker publishes a batch's records and
// waits for all of their delivery reports before it commits offsets, so a committed offset always has its
// result (and dead letter) stored.
#include <chrono>
#include <string>
#include <vector>

#include "coupon/domain/types.hpp"
#include "coupon/messaging/backlog_guard.hpp"
#include "producer.hpp"

namespace coupon::messaging {

class ResultPublisher {
public:
    explicit ResultPublisher(const KafkaConfig& config);
    void start();
    void stop();

    // Produces every record and waits for all delivery reports. Returns "" when all were stored, else the
    // first error. Safe to call from several workers at once. With a guard, the caller reserved room for
    // every record (BacklogGuard::try_reserve): each record's reservation ends with its delivery report, or
    // at once when it could not be produced.
    std::string publish(const std::vector<OutRecord>& records, std::chrono::milliseconds timeout,
                        BacklogGuard* guard = nullptr);
    OutRecord result_record(const domain::IssueResult& result) const;

private:
    KafkaConfig config_;
    Producer producer_;
};

}  // namespace coupon::messaging
