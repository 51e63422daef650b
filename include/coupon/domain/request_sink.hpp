#pragma once
// How the front end hands an issue request to the processing side. The messaging module implements it
// with a Kafka producer; the callback runs once, on a thread of the implementation, after the broker
// acknowledged the record (Accepted), or it is certain the record was not stored (Overloaded,
// Unavailable), or the producer gave up without knowing (Unknown). It may come long after submit()
// (up to the producer's delivery timeout): the front end bounds its own wait.
#include <cstdint>
#include <functional>
#include <string>

#include "coupon/domain/types.hpp"

namespace coupon::domain {

enum class AcceptStatus {
    Accepted,     // durably stored by the broker (acks=all)
    Overloaded,   // refused before producing: local queue full or unconsumed backlog too large
    Unavailable,  // the broker did not store it (unreachable, timed out before sending, refused)
    Unknown,      // the producer gave up on a record it had sent (timeout): it may or may not be stored
};

// Where the broker stored an accepted request in the issue topic. Any node can look a request up there
// (StoredRequests), so the status URL of an accepted request carries it.
struct RecordLocation {
    std::int32_t partition = -1;
    std::int64_t offset = -1;

    bool known() const { return partition >= 0 && offset >= 0; }
};

class RequestSink {
public:
    // `where` is known only for Accepted (and not always then: librdkafka may not report the offset).
    using Done = std::function<void(AcceptStatus status, const std::string& detail, RecordLocation where)>;
    virtual ~RequestSink() = default;
    virtual void submit(const IssueRequest& request, Done done) = 0;
};

}  // namespace coupon::domain
