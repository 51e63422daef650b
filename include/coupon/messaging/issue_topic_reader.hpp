#pragma once
// StoredRequests over the issue topic: reads the one record at a request's place and compares its request
// id. Used by GET /api/coupon-requests/{id}?at=<partition>-<offset> for a request this node does not
// remember. One lookup at a time on one consumer handle (manual assignment, no group, never commits),
// created at the first lookup; each lookup is bounded (about 2 s) and confirmed places are remembered.
// Places in the queue come from the issue group's committed offsets (PartitionProgress).
#include <memory>
#include <string>

#include "coupon/base/monotonic_clock.hpp"
#include "coupon/domain/stored_requests.hpp"
#include "coupon/messaging/kafka_config.hpp"

namespace coupon::messaging {

class IssueTopicReader final : public domain::StoredRequests {
public:
    // clock: how old the samples of the queue's progress are (a test's manual clock ages them at once).
    explicit IssueTopicReader(KafkaConfig config, const base::MonotonicClock& clock = base::steady_clock());
    ~IssueTopicReader() override;
    IssueTopicReader(const IssueTopicReader&) = delete;
    IssueTopicReader& operator=(const IssueTopicReader&) = delete;

    Answer holds(const std::string& request_id, domain::RecordLocation where) override;
    std::optional<domain::QueuePlace> place_in_queue(domain::RecordLocation where) override;
    std::optional<domain::QueuePlace> recent_place(domain::RecordLocation where) override;
    std::optional<domain::PolicyId> policy_at(const std::string& request_id, domain::RecordLocation where) override;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace coupon::messaging
