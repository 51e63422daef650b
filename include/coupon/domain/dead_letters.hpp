#pragma once
// Dead letters (DESIGN.md section 3): records that failed for good, kept durably so an operator can list
// and replay them. The store implements DeadLetterStore; the messaging module implements RequestReplayer.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "coupon/domain/request_sink.hpp"
#include "coupon/domain/types.hpp"

namespace coupon::domain {

struct DeadLetter {
    std::int64_t id = 0;  // assigned by the store
    std::string topic;    // where the dead letter was read from (the DLT) ...
    std::int32_t partition = -1;
    std::int64_t offset = -1;
    std::string original_topic;  // ... and where the record first was (kafka_original-* headers)
    std::int32_t original_partition = -1;
    std::int64_t original_offset = -1;
    std::string key;
    std::string payload;                                        // the record value, byte for byte
    std::vector<std::pair<std::string, std::string>> headers;  // raw header bytes
    std::string error;                                          // kafka_exception-message
    TimePoint created_at{};
    std::optional<TimePoint> replayed_at;
    std::optional<IssueRequest> request;  // the decoded request, when the payload could be decoded
};

struct DeadLetterQuery {
    std::optional<TimePoint> from;  // created_at >= from
    std::optional<TimePoint> to;    // created_at < to
    std::int64_t offset = 0;
    std::int64_t limit = 50;
};

struct DeadLetterPage {
    std::vector<DeadLetter> items;  // oldest first
    std::int64_t total = 0;         // matching the time filter, all pages
};

class DeadLetterStore {
public:
    virtual ~DeadLetterStore() = default;
    // In one transaction: stores the dead letter (idempotent per topic/partition/offset: a redelivered
    // dead letter is stored once) and, when it carries a request, records outcome FAILED for it unless a
    // final outcome is already recorded. Returns the FAILED result to publish, or nullopt when the request
    // has another outcome (or there is no request). A dead letter recorded again returns its request's
    // stored FAILED result again, changing nothing, so a crash before publishing loses no notification.
    // Sets letter.id. Throws StoreError.
    virtual std::optional<IssueResult> record(DeadLetter& letter, TimePoint now) = 0;
    virtual DeadLetterPage list(const DeadLetterQuery& query) = 0;
    virtual std::optional<DeadLetter> find(std::int64_t id) = 0;
    virtual void mark_replayed(std::int64_t id, TimePoint at) = 0;
};

class RequestReplayer {
public:
    virtual ~RequestReplayer() = default;
    // Re-publishes the dead letter's request to the main issue topic (same key; the decoded request with
    // its request id, so a replay can never become a second, different request) and waits for the
    // broker's acknowledgement. Returns Accepted, Overloaded or Unavailable (with detail).
    virtual std::pair<AcceptStatus, std::string> replay(const DeadLetter& letter) = 0;
};

}  // namespace coupon::domain
