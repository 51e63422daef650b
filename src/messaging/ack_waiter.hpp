#pragma once
// The one way the messaging module waits for the broker's acknowledgements (issue 9 item 3). Each record is
// counted in before it is produced (expect) and counted out exactly once: by its delivery report, through the
// callback expect() returns, or by refused() when the producer did not take it. A thread then waits, always
// with a bound, until what it needs is acknowledged:
//
// - a decided batch (PublishPipeline): its offsets are committed only once every record of it is stored;
// - one replayed dead letter (KafkaReplayer): the operator hears "queued" only once it is stored;
// - everything the front end produced (KafkaRequestSink::flush): a draining node lets the consumers take
//   every accepted request before it stops.
//
// Records waited for together form a Group (a batch, one replay); records nobody waits for one by one (the
// request sink's) belong to no group and only count towards wait_all(). Copies of an AckWaiter share one
// state, and the callbacks keep it alive: a delivery report may come after its waiter gave up or is gone.
// Thread-safety: everything may be called from any thread; callbacks run on the producer's thread.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "producer.hpp"

namespace coupon::messaging {

class AckWaiter {
public:
    struct State;
    // Records acknowledged together. Its state is read through the waiter that made it.
    class Group {
    public:
        Group() = default;

    private:
        friend class AckWaiter;
        std::size_t outstanding = 0;        // counted in, not yet counted out
        std::vector<std::size_t> failed;    // indexes the broker (or the producer) did not store
        std::string first_error;            // "NAME: reason" of the first of them
    };
    struct Progress {
        std::size_t outstanding = 0;
        std::size_t failed = 0;
        bool settled() const { return outstanding == 0 && failed == 0; }  // every record stored
    };
    using Then = std::function<void(const Producer::Report& report)>;

    // on_group_done: called on the producer's thread each time a group's last record is counted out (a
    // consumer wakes its poll with it). It must stay safe to call after its owner is gone.
    explicit AckWaiter(std::function<void()> on_group_done = {});

    std::shared_ptr<Group> group() const { return std::make_shared<Group>(); }

    // Counts record `index` of `group` (null: no group) in and returns its delivery callback: hand it to
    // Producer::produce. `then` runs first, on the producer's thread, with the report (the request sink
    // answers its caller there; a guard accounts the record); what it throws is logged, and the record is
    // counted out all the same.
    Producer::OnReport expect(const std::shared_ptr<Group>& group, std::size_t index, Then then = {}) const;
    // The producer refused record `index` at enqueue (its callback will never run): counts it out, not stored.
    void refused(const std::shared_ptr<Group>& group, std::size_t index, const std::string& error) const;

    Progress progress(const Group& group) const;
    // Moves the records the broker did not store out of `group` into `into` (appended), with the first error;
    // only once the group has nothing outstanding (else nothing moves). Returns how many moved.
    std::size_t take_failed(Group& group, std::vector<std::size_t>& into, std::string& first_error) const;
    // "NAME: reason" of the group's first refused record; empty when none.
    std::string first_error(const Group& group) const;
    std::size_t outstanding() const;  // all records, in a group or not

    // Blocks until nothing of `group` is outstanding, or `within` passed; true when nothing is.
    bool wait(const Group& group, std::chrono::milliseconds within) const;
    // Blocks until nothing at all is outstanding, or `within` passed; true when nothing is.
    bool wait_all(std::chrono::milliseconds within) const;
    // Blocks until `ready()` is true, or `within` passed; returns ready(). ready() is called without the
    // waiter's lock (it may read progress()), now and again after each acknowledgement.
    bool wait_until(const std::function<bool()>& ready, std::chrono::milliseconds within) const;

private:
    std::shared_ptr<State> state_;
};

}  // namespace coupon::messaging
