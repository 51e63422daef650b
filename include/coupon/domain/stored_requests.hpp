#pragma once
// Whether the issue topic holds a given request at a given place. This is how any node answers for an
// accepted request it does not remember (taken by another node, or by itself before a restart, or pushed
// out of its bounded memory by newer ones): the record is the proof that the request was accepted, and
// every accepted request ends with exactly one outcome, so "stored there, no outcome yet" is PENDING.
#include <cstdint>
#include <optional>
#include <string>

#include "coupon/domain/request_sink.hpp"
#include "coupon/domain/types.hpp"

namespace coupon::domain {

// A stored request's place in its partition's queue, from the issue group's committed offsets.
struct QueuePlace {
    std::int64_t ahead = 0;                        // requests of the partition before it, not decided yet
    std::optional<std::int64_t> estimated_wait_ms;  // ahead / the partition's recent decide rate; none when idle
};

class StoredRequests {
public:
    enum class Answer {
        Holds,        // the record at `where` is this request
        DoesNotHold,  // no record there (beyond the end, deleted by retention) or another request's
        CannotTell,   // the broker did not answer in time
    };
    virtual ~StoredRequests() = default;
    // Blocks for at most the implementation's bound (a broker round trip or two); thread-safe.
    virtual Answer holds(const std::string& request_id, RecordLocation where) = 0;
    // The place of the record at `where` in its partition's queue; nullopt when the broker does not say.
    // Same bounds as holds().
    virtual std::optional<QueuePlace> place_in_queue(RecordLocation where) = 0;
    // The same from what is already known, without asking the broker: never blocks, so the POST's own 202 can
    // carry it. nullopt when nothing recent is known (place_in_queue() calls, i.e. clients polling their
    // status URLs, keep it fresh).
    virtual std::optional<QueuePlace> recent_place(RecordLocation where) = 0;
    // The policy of the request found at `where` by an earlier holds() (remembered, never blocks); nullopt
    // when not known. Used for likelySoldOut only.
    virtual std::optional<PolicyId> policy_at(const std::string& request_id, RecordLocation where) {
        (void)request_id;
        (void)where;
        return std::nullopt;
    }
};

}  // namespace coupon::domain
