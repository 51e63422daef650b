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
// Bounds: the worker stops deciding while `max_batches` are in flight (wait_below); records per batch are
// bounded by the batch cap. With the embedded broker's BacklogGuard, a record is produced only when its
// partition has room (coupon/messaging/backlog_guard.hpp): a full retry topic or DLT holds the batch
// uncommitted, the worker stops deciding, and back-pressure flows upstream to the front end's 503. Thread-safety: push/settle/wait_below from the owning worker thread; the
// delivery callbacks run on the producer's thread and only touch a batch's own state.
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <condition_variable>
#include <string>
#include <vector>

#include "producer.hpp"

namespace coupon::messaging {

class ResultPublisher;
class BacklogGuard;

// What a record weighs for the backlog guard: key + value + headers.
std::size_t stored_size(const OutRecord& record);

using Offsets = std::map<std::int32_t, std::int64_t>;  // partition -> next offset to read

class PublishPipeline {
public:
    // wake: called (from the producer's thread) when a batch finished, so a worker blocked in a poll can
    // settle at once. Callbacks keep copies of it, so it must stay safe to call after the worker is gone.
    // guard: null with a real Kafka cluster.
    PublishPipeline(ResultPublisher& publisher, BacklogGuard* guard, std::function<void()> wake);
    PublishPipeline(const PublishPipeline&) = delete;
    PublishPipeline& operator=(const PublishPipeline&) = delete;

    void push(std::vector<OutRecord> records, Offsets offsets, const char* what);
    // Takes the finished batches off the front and merges their offsets into `committable`; produces
    // again what the broker refused once its backoff has passed.
    void settle(Offsets& committable);
    std::size_t batches() const { return flights_.size(); }
    // Waits until fewer than `max` batches are unfinished or `until`; true when below.
    bool wait_below(std::size_t max, std::chrono::steady_clock::time_point until);

private:
    struct Flight;
    // Produces the flight's unsent records that have room (all of them without a guard), in order.
    void send_unsent(const std::shared_ptr<Flight>& flight);
    std::size_t unfinished() const;

    ResultPublisher& publisher_;
    BacklogGuard* guard_;
    std::function<void()> wake_;
    std::deque<std::shared_ptr<Flight>> flights_;
    // Shared with the callbacks: counts finished flights and wakes wait_below.
    struct Signal {
        std::mutex mutex;
        std::condition_variable changed;
    };
    std::shared_ptr<Signal> signal_ = std::make_shared<Signal>();
};

}  // namespace coupon::messaging
