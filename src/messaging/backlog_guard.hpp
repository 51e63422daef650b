#pragma once
// Keeps the embedded broker from silently dropping accepted requests: it refuses a record when its
// partition's unconsumed backlog would pass the limit (the mock keeps only 5 MiB / 100,000 batches per
// partition and deletes the oldest, consumed or not).
//
// backlog(p) = max(high watermark at the last broker sample, 1 + highest offset acknowledged to this process)
//            - group's committed offset at the last sample
//            + records acknowledged without an offset since that sample started
//            + records this process has in flight
// The broker sample covers every producer and consumer sharing the broker (several processes); the local
// terms cover what the sample cannot have seen yet, so the estimate never falls below the truth. Own
// acknowledgements count by offset, not by number: one that lands while a sample is under way is then
// counted once whether or not the sampled watermark already includes it (counting it as "acknowledged
// since the sample started" as well made the estimate one too high until the next sample, and refused a
// request below the limit).
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "client_config.hpp"
#include "coupon/messaging/kafka_request_sink.hpp"

namespace coupon::messaging {

class BacklogGuard {
public:
    BacklogGuard(const KafkaConfig& config, std::int32_t partitions);
    ~BacklogGuard();

    // Creates the probe consumer (same group.id, never subscribes), takes a first sample, starts sampling.
    void start();
    void stop();

    // Before producing: false (refuse) when one more record of `bytes` would pass a limit; on true the
    // record counts as in flight until on_delivery.
    bool try_reserve(std::int32_t partition, std::size_t bytes);
    // offset: where the record was stored; negative when stored but librdkafka does not know where.
    void on_delivery(std::int32_t partition, bool stored, std::int64_t offset);

    std::vector<PartitionBacklog> snapshot() const;
    void sample();  // one broker round trip; also called by the background thread

private:
    struct Partition {
        std::int64_t high = 0;                // high watermark at the last sample
        std::int64_t done = 0;                // committed offset (at least the log start) at the last sample
        std::int64_t acked_end = 0;           // 1 + highest offset acknowledged to this process, ever
        std::int64_t unplaced = 0;            // records acknowledged without an offset, ever
        std::int64_t unplaced_at_sample = 0;  // `unplaced` when the last sample started
        std::int64_t in_flight = 0;
    };
    static std::int64_t estimate(const Partition& p) {
        return std::max<std::int64_t>(0, std::max(p.high, p.acked_end) - p.done) + (p.unplaced - p.unplaced_at_sample) +
               p.in_flight;
    }
    std::int64_t record_bytes() const;
    void sample_loop();
    void publish_gauges();

    KafkaConfig config_;
    std::int32_t partitions_;
    KafkaHandle probe_;
    mutable std::mutex mutex_;
    std::vector<Partition> state_;
    std::int64_t largest_record_ = 0;
    std::mutex sample_mutex_;  // one sample at a time
    std::condition_variable wake_;
    std::mutex wake_mutex_;
    bool stopping_ = false;
    std::thread sampler_;
};

}  // namespace coupon::messaging
