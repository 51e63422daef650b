#pragma once
// What a consumer worker does with a poll batch; the worker itself (consumer_worker.hpp) owns the Kafka
// mechanics (its partitions, due times, publishing, offset commits), so the main topic, the retry topics
// and the DLT share it and differ only in their handler.
//
// A handler decides a batch synchronously (decode, database transaction) and returns the records that must
// be stored in Kafka before the batch's offsets may be committed (results, forwards to the next retry topic,
// dead letters). The worker produces them asynchronously and goes on with the next batch; it commits, in
// order, only what is both decided and acknowledged (DESIGN.md section 3).
#include <librdkafka/rdkafka.h>

#include <functional>
#include <vector>

#include "client_config.hpp"
#include "coupon/domain/types.hpp"
#include "producer.hpp"

namespace coupon::messaging {

using Batch = std::vector<MessageHandle>;
// Polled while a handler waits (database backoff, a full next topic): true means "stop trying, the batch
// is no longer yours to finish" (stopping, or one of its partitions was revoked).
using GiveUp = std::function<bool()>;

enum class BatchVerdict {
    Done,     // decided: store BatchWork::records, then the batch's offsets may be committed
    Retry,    // not decided (gave up, or an unexpected error): nothing may be committed
    Crashed,  // a test hook simulated a process crash: stop the worker without committing
};

struct BatchWork {
    BatchVerdict verdict = BatchVerdict::Retry;
    // Stored before the offsets are committed: the results as result records (encoded by the publish
    // pipeline, perhaps on its sender thread), then the records (forwards, dead letters).
    std::vector<domain::IssueResult> results;
    std::vector<OutRecord> records;
    const char* what = "results";  // for log lines
};

class BatchHandler {
public:
    virtual ~BatchHandler() = default;
    // `batch` holds records of partitions this worker owns, in offset order per partition. Must not throw
    // for expected failures; an exception is treated as Retry.
    virtual BatchWork process(const Batch& batch, const GiveUp& give_up) = 0;
};

}  // namespace coupon::messaging
