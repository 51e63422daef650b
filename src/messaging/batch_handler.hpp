#pragma once
// What a partition worker does with a poll batch; the worker itself (partition_worker.hpp) only owns the
// Kafka mechanics (partition affinity, due times, offset commits, rewinds), so the main topic, the retry
// topics and the DLT share it and differ only in their handler.
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "client_config.hpp"
#include "producer.hpp"

namespace coupon::messaging {

class ResultPublisher;
class BacklogGuard;

using Batch = std::vector<MessageHandle>;
using GiveUp = std::function<bool()>;

enum class BatchVerdict {
    Done,     // every record is dealt with: commit the batch's offsets
    Retry,    // nothing may be committed: re-read the batch
    Crashed,  // a test hook simulated a process crash: stop the worker without committing
};

class BatchHandler {
public:
    virtual ~BatchHandler() = default;
    // `batch` holds records of partitions this worker owns, in offset order per partition. Must not throw
    // for expected failures; an exception is treated as Retry.
    virtual BatchVerdict process(const Batch& batch, const GiveUp& give_up) = 0;
};

// What a record weighs for the backlog guard: key + value + headers.
std::size_t stored_size(const OutRecord& record);

// Publishes `records` and waits for their delivery, retrying with backoff until it works or give_up().
// False when it gave up (some records may have been stored: the caller re-reads, consumers are idempotent).
// With a guard (embedded broker), each attempt first waits, with backoff, until the guard has room for every
// record in its target partition: a full retry topic or DLT holds the caller, which then commits nothing,
// instead of letting the broker drop the oldest records.
bool publish_until_stored(ResultPublisher& publisher, const std::vector<OutRecord>& records, const char* what,
                          const GiveUp& give_up, BacklogGuard* guard = nullptr);

}  // namespace coupon::messaging
