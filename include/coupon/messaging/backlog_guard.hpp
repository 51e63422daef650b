#pragma once
// Keeps the embedded broker from silently dropping accepted requests. The mock keeps only 5 MiB / 100,000
// batches per partition and deletes the oldest records beyond that, consumed or not; so every topic a request
// can sit in (the issue topic, each retry stage topic, the DLT) is guarded against its own consumer group's
// committed offsets, and a record is only produced when its partition has room for it:
//
//   - the front end (GuardedRequestSink) refuses a new request with 503 when its issue partition is full;
//   - a consumer forwarding a batch to the next retry topic or the DLT waits (and does not commit) until the
//     target partitions have room, so a full retry topic or DLT stops its upstream stage, whose backlog then
//     grows until the front end refuses: back-pressure flows from the DLT back to the HTTP clients.
//
// The app creates one guard per node, only for the embedded broker (own or shared).
//
// backlog(topic, p) = max(high watermark at the last broker sample, 1 + highest offset acknowledged to this
//                         process) - the topic's group's committed offset at the last sample
//                   + records acknowledged without an offset since that sample started
//                   + records this process has in flight
// The broker sample covers every producer and consumer sharing the broker (several processes); the local
// terms cover what the sample cannot have seen yet, so the estimate never falls below the truth. Own
// acknowledgements count by offset, not by number: one that lands while a sample is under way is then
// counted once whether or not the sampled watermark already includes it. Bytes are records x the largest
// record this process produced to that topic (plus batch overhead): forwarded records carry Spring's retry
// headers and weigh more than requests.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "coupon/messaging/kafka_config.hpp"

namespace coupon::messaging {

struct PartitionBacklog {
    std::string topic;
    std::int32_t partition = 0;
    std::int64_t records = 0;  // produced but not yet committed by the topic's group (estimate, >= truth)
    std::int64_t bytes = 0;    // records x conservative stored size
};

class BacklogGuard {
public:
    // One record about to be produced: where it goes and what it weighs (key + value + headers).
    struct Slot {
        std::string topic;
        std::int32_t partition = 0;
        std::size_t bytes = 0;
    };

    explicit BacklogGuard(KafkaConfig config);
    ~BacklogGuard();  // stop()
    BacklogGuard(const BacklogGuard&) = delete;
    BacklogGuard& operator=(const BacklogGuard&) = delete;

    // Creates the probe client, reads the guarded topics' partition counts, takes a first sample, logs which
    // bound applies to which topic and starts sampling. Throws std::runtime_error when the client cannot be made.
    void start();
    void stop();

    // Reserves room for the longest prefix of `slots` that fits under the limits and returns its length; each
    // reserved record counts as in flight until on_delivery. A partition with nothing unconsumed always takes
    // one record, however large (else a record above the limit would wait forever). Slots of topics the guard
    // does not watch (results) always fit and are not counted.
    std::size_t reserve(const std::vector<Slot>& slots);
    bool try_reserve(const Slot& slot) { return reserve({slot}) == 1; }
    // offset: where the record was stored; negative when stored but librdkafka does not know where.
    void on_delivery(const std::string& topic, std::int32_t partition, bool stored, std::int64_t offset);

    // Current estimate per partition of every guarded topic.
    std::vector<PartitionBacklog> snapshot() const;
    // Sum of snapshot()'s records: what is still unconsumed (or in flight) on the guarded topics.
    std::int64_t unconsumed_records() const;
    // One broker round trip per group and partition; also called by the background thread.
    void sample();
    // The guarded topics, main topic first, DLT last.
    std::vector<std::string> topics() const;
    // Whether records of `topic` count against a partition's room (not the result topic's). The set is fixed
    // at construction: no lock, so a producer can skip the guard for the records it does not watch.
    bool guards(std::string_view topic) const;

    // What serves requests waiting for room (GuardedRequestSink): called at the end of every sample, with
    // the new estimate in place; returns true while requests still wait. While they do, the guard samples
    // every kWaitingSampleInterval (or its configured interval if shorter). Null removes it; the call
    // returns only once a serve under way has finished, so its owner may go away afterwards.
    using ServeWaiters = std::function<bool()>;
    void serve_waiters(ServeWaiters serve);
    // A first request started waiting: sample now instead of at the end of the current interval.
    void waiters_arrived();
    static constexpr std::chrono::milliseconds kWaitingSampleInterval{20};

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace coupon::messaging
