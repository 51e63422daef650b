#pragma once
// Which partitions this member owns right now, shared by the coordinator (rebalance callback) and the
// workers. It guarantees that a worker never hands the domain a record of a partition this member no
// longer owns, and that a revoke waits until the worker's in-flight batch has finished (committed or not).
//
// Records fetched before a revoke can still sit in a worker queue or in a worker's hands. A revoke bumps
// `epoch` once unassign is done; a worker notes the epoch before it takes records from its queue and
// keeps a record only if its partition is owned and was not revoked after that note.
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <vector>

namespace coupon::messaging {

class PartitionOwnership {
public:
    explicit PartitionOwnership(int workers);

    void assign(const std::vector<std::int32_t>& partitions);
    // Step 1 of a revoke: stop handing these partitions out, wait for in-flight batches holding them.
    void revoke(const std::vector<std::int32_t>& partitions);
    // Step 2, after unassign: records dequeued before this point are stale even if re-assigned later.
    void revoke_done(const std::vector<std::int32_t>& partitions);

    std::uint64_t epoch() const;
    // Marks `worker` busy with the partitions it keeps; returns the kept subset of `partitions`.
    std::set<std::int32_t> begin_batch(int worker, std::uint64_t epoch_before_dequeue,
                                       const std::set<std::int32_t>& partitions);
    // False once any partition of the worker's current batch was revoked (the batch must be abandoned).
    bool batch_owned(int worker) const;
    void end_batch(int worker);
    bool owns(std::int32_t partition) const;
    std::vector<std::int32_t> owned() const;

private:
    mutable std::mutex mutex_;
    std::condition_variable idle_;
    std::uint64_t epoch_ = 0;
    std::set<std::int32_t> owned_;
    std::map<std::int32_t, std::uint64_t> revoked_at_;
    std::vector<std::set<std::int32_t>> busy_;  // per worker: partitions of its in-flight batch
    std::vector<bool> batch_revoked_;
};

}  // namespace coupon::messaging
