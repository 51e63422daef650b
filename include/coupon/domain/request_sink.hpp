#pragma once
// How the front end hands an issue request to the processing side. The messaging module implements it
// with a Kafka producer; the callback runs once, on a thread of the implementation, after the broker
// acknowledged the record (Accepted), or it is certain the record was not stored (Overloaded,
// Unavailable), or the producer gave up without knowing (Unknown). It may come long after submit()
// (up to the producer's delivery timeout): the front end bounds its own wait.
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

class RequestSink {
public:
    using Done = std::function<void(AcceptStatus status, const std::string& detail)>;
    virtual ~RequestSink() = default;
    virtual void submit(const IssueRequest& request, Done done) = 0;
};

}  // namespace coupon::domain
