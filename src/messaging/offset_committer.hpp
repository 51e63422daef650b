#pragma once
// A worker's offset commits: what the publish pipeline hands out as committable (decided and stored)
// is committed asynchronously, one commit in flight at a time, always with the newest offsets, so commits
// never overtake each other and a slow coordinator never stalls the worker. A refused commit is merged
// back and sent again with the next round. Only partitions the worker owns are committed.
// Worker thread only (the commit result arrives through the consumer's own poll, on the same thread).
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdint>
#include <set>
#include <string>

#include "coupon/base/monotonic_clock.hpp"
#include "publish_pipeline.hpp"

namespace coupon::messaging {

class OffsetCommitter {
public:
    // clock: throttles the refused-commit warning (one line a second).
    explicit OffsetCommitter(std::string topic, const base::MonotonicClock& clock = base::steady_clock())
        : topic_(std::move(topic)), clock_(clock) {}

    void add(const Offsets& next);
    // Sends what is pending for `owned` partitions unless a commit is already in flight; the result is
    // posted to `results` (the worker's consumer queue) and handled when the worker polls it.
    void commit_async(rd_kafka_t* consumer, rd_kafka_queue_t* results, const std::set<std::int32_t>& owned);
    // Commits what is pending or in flight for `partitions` now and waits (revoke, stop). The in-flight part
    // matters on a revoke: an asynchronous commit sent just before a rebalance is refused for its old
    // generation, and its offsets would otherwise be dropped with the partition, so the next owner decided
    // those records again (seen on real Kafka). False when the broker refused.
    bool commit_now(rd_kafka_t* consumer, const std::set<std::int32_t>& partitions);
    // The partitions moved to another member: their pending offsets are its to commit.
    void forget(const std::set<std::int32_t>& partitions);
    bool idle() const { return pending_.empty() && !in_flight_; }

private:
    static void on_commit(rd_kafka_t*, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* offsets, void* opaque);
    void on_result(rd_kafka_resp_err_t err, const rd_kafka_topic_partition_list_t* offsets);
    void warn(rd_kafka_resp_err_t err);

    std::string topic_;
    Offsets pending_;  // committable, not yet sent
    Offsets sent_;     // in the commit in flight
    Offsets committed_;  // what this member committed last, per partition (only ever grows while owned)
    bool in_flight_ = false;
    const base::MonotonicClock& clock_;
    base::MonotonicClock::TimePoint last_warning_{};
};

}  // namespace coupon::messaging
