#pragma once
// The records of decided batches on their way to the broker, in decision order (DESIGN.md section 3: an
// offset is committed only after its outcome is in the database AND its result is stored in Kafka).
//
// A worker pushes a batch's records and goes on deciding the next batch while the broker acknowledges
// them: the database transaction of batch N+1 overlaps the round trips of batch N. Offsets become
// committable strictly in push order: a batch's offsets are handed out only once it and every batch pushed
// before it are stored. A record the broker refused is produced again (backoff 100 ms doubling to 5 s)
// until it is stored; a committed offset therefore always has its records in Kafka.
//
// Bounds: the worker stops deciding while its InFlightBound is reached (wait_for_room); records per batch
// are bounded by the batch cap. With the embedded broker's BacklogGuard, a record is produced only when its
// partition has room (coupon/messaging/backlog_guard.hpp): a full retry topic or DLT holds the batch
// uncommitted, the worker stops deciding, and back-pressure flows upstream to the front end's 503.
// Acknowledgements are counted and waited for by an AckWaiter (ack_waiter.hpp, one group per batch); backoff
// and the guard's log throttle read the monotonic clock port.
//
// Hand-off (Sender): a batch of at least `min_records` records has its results encoded and its records
// produced on the pipeline's own sender thread (started at the first such batch), so the member's thread goes
// on with the next batch's poll, decoding and transaction meanwhile: encoding and producing were a fifth of
// the drain's consumer thread (docs/consumer-pipeline.md). While the sender has it, the batch counts as one
// more outstanding acknowledgement, so it is unfinished and nothing else touches it; smaller batches are
// sent on the member's thread unless the sender still has an earlier one (results leave in decision order).
//
// Thread-safety: push/settle/wait_below from the owning worker thread; the sender thread only touches the
// batches handed to it, until it counts the hand-off out; the delivery callbacks run on the producer's thread
// and only count acknowledgements.
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ack_waiter.hpp"
#include "coupon/base/job_pool.hpp"
#include "coupon/base/monotonic_clock.hpp"
#include "coupon/domain/types.hpp"
#include "producer.hpp"

namespace coupon::messaging {

class ResultPublisher;
class BacklogGuard;

// What a record weighs for the backlog guard: key + value + headers.
std::size_t stored_size(const OutRecord& record);

using Offsets = std::map<std::int32_t, std::int64_t>;  // partition -> next offset to read

// How many decided batches may be on their way before the worker waits: `batches`, or up to `light_batches`
// while those hold fewer than `light_records` records in all (small batches: a light load).
struct InFlightBound {
    std::size_t batches = 2;
    std::size_t light_records = 0;
    std::size_t light_batches = 2;

    // True while `in_flight` batches holding `records` records leave room for one more.
    bool admits(std::size_t in_flight, std::size_t records) const {
        return in_flight < batches || (in_flight < light_batches && records < light_records);
    }
};

class PublishPipeline {
public:
    // Which batches go to the sender thread (see the top of this file).
    struct Sender {
        std::string thread;           // its name; empty: none, every batch is sent on the member's thread
        // Results + records of a batch that goes to it. No initializer: g++ 12 refuses `Sender sender = {}`
        // below when a nested struct has one.
        std::size_t min_records;
    };

    // wake: called (from the producer's thread) when a batch finished, so a worker blocked in a poll can
    // settle at once. Callbacks keep copies of it, so it must stay safe to call after the worker is gone.
    // guard: null with a real Kafka cluster. clock: for backoff and log throttling (a test's manual clock;
    // read by the sender thread too).
    PublishPipeline(ResultPublisher& publisher, BacklogGuard* guard, std::function<void()> wake,
                    const base::MonotonicClock& clock = base::steady_clock(), Sender sender = {});
    PublishPipeline(const PublishPipeline&) = delete;
    PublishPipeline& operator=(const PublishPipeline&) = delete;

    // A decided batch: `results` become result records (ResultPublisher::append_result_records), produced
    // before `records` (forwards, dead letters).
    void push(std::vector<domain::IssueResult> results, std::vector<OutRecord> records, Offsets offsets,
              const char* what);
    // Takes the finished batches off the front and merges their offsets into `committable`; produces
    // again what the broker refused once its backoff has passed.
    void settle(Offsets& committable);
    std::size_t batches() const { return flights_.size(); }
    // False once `bound` is reached by the batches in flight.
    bool has_room(const InFlightBound& bound) const;
    // Waits, at most `within`, until the batches not yet finished leave room under `bound` (finished ones
    // leave at the next settle); true when there is room.
    bool wait_for_room(const InFlightBound& bound, std::chrono::milliseconds within);
    // Waits until fewer than `max` batches are unfinished, at most `within`; true when below.
    bool wait_below(std::size_t max, std::chrono::milliseconds within);

private:
    struct Flight;
    // Encodes the flight's results in front of its records and marks them all unsent.
    void prepare(Flight& flight) const;
    // Produces the flight's unsent records that have room (all of them without a guard), in order.
    void send_unsent(Flight& flight);
    // Hands the flight to the sender thread; false when it has none or will not take it.
    bool hand_off(const std::shared_ptr<Flight>& flight);
    bool with_sender(const Flight& flight) const;
    // Every record acknowledged, none to produce again: the flight can leave at the next settle.
    bool finished(const Flight& flight) const;
    // The batches not yet finished and the records they hold: what wait_below and wait_for_room wait on.
    struct Unfinished {
        std::size_t batches = 0;
        std::size_t records = 0;
    };
    Unfinished unfinished() const;

    ResultPublisher& publisher_;
    BacklogGuard* guard_;
    const base::MonotonicClock& clock_;
    AckWaiter acks_;  // shared with the delivery callbacks; wakes the worker when a batch is acknowledged
    std::deque<std::shared_ptr<Flight>> flights_;
    Sender sender_settings_;
    std::unique_ptr<base::JobPool> sender_;  // last: joined first, while everything its jobs use is alive
};

}  // namespace coupon::messaging
