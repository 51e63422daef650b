#pragma once
// "Never before its due time" for a retry topic (DESIGN.md section 3), without blocking other partitions:
// when a partition's next record is not due yet, the gate keeps that record and the ones after it, pauses
// the partition (rd_kafka_pause_partitions stops its fetching and drops what is still queued; fetching
// resumes right after the last record handed out, i.e. after the kept ones), and hands them out when the
// clock says they are due, then resumes the partition. The other partitions of the worker keep flowing.
// Kept records are not committed, so a crash or a revoke only means they are read again.
#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "batch_handler.hpp"
#include "coupon/domain/clock.hpp"

namespace coupon::messaging {

class DueGate {
public:
    DueGate(rd_kafka_t* consumer, std::string topic, const domain::Clock& clock);

    // Moves every record of `batch` that is not due yet (and the rest of its partition) into the gate.
    void admit(Batch& batch);
    // Records whose time has come, in offset order per partition; resumes partitions left empty.
    Batch release();
    // The partitions were revoked or rewound: drop what the gate keeps for them and resume them.
    void forget(const std::vector<std::int32_t>& partitions);
    std::size_t kept() const;
    // The gate keeps records of this partition (and has paused it).
    bool holds(std::int32_t partition) const;

    // Due time of a record (retry_topic-backoff-timestamp), nullopt when it has none (due at once).
    static std::optional<domain::TimePoint> due_time(const rd_kafka_message_t& m);

private:
    bool due(const rd_kafka_message_t& m) const;
    void set_paused(const std::vector<std::int32_t>& partitions, bool pause);

    rd_kafka_t* consumer_;
    std::string topic_;
    const domain::Clock& clock_;
    mutable std::mutex mutex_;
    std::map<std::int32_t, std::deque<MessageHandle>> kept_;
};

}  // namespace coupon::messaging
