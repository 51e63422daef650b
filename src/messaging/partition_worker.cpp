#include "partition_worker.hpp"

#include <algorithm>
#include <set>
#include <vector>

#include "coupon/domain/log.hpp"
#include "messaging_metrics.hpp"

namespace coupon::messaging {
namespace {

constexpr int kSeekTimeoutMs = 5000;
constexpr int kPollMs = 100;
constexpr int kPollWhileHoldingMs = 20;  // how late a kept record may be handed out after its due time

}  // namespace

PartitionWorker::PartitionWorker(int index, WorkerContext context, rd_kafka_queue_t* queue,
                                 std::unique_ptr<BatchHandler> handler)
    : index_(index), ctx_(std::move(context)), queue_(queue), handler_(std::move(handler)) {}

bool PartitionWorker::give_up() const {
    return ctx_.stopping->load() || ctx_.crashed->load() || !ctx_.ownership->batch_owned(index_);
}

void PartitionWorker::run() {
    const auto max = static_cast<std::size_t>(std::max(1, ctx_.max_batch));
    std::vector<rd_kafka_message_t*> buffer(max);
    while (!ctx_.stopping->load() && !ctx_.crashed->load()) {
        const std::uint64_t epoch = ctx_.ownership->epoch();
        // Kept records that became due come first: their partitions were paused, so nothing newer of theirs
        // can be in this poll.
        Batch batch = ctx_.gate ? ctx_.gate->release() : Batch{};
        const std::size_t released = batch.size();
        const bool holding = ctx_.gate && ctx_.gate->kept() > 0;
        const int timeout = released > 0 ? 0 : holding ? kPollWhileHoldingMs : kPollMs;
        // consume_batch_queue waits until the batch is FULL or the timeout ends, which would add up to
        // kPollMs to every request under light load. So wait for one record, then take what is already
        // queued without waiting: a batch is whatever arrived while the previous one was being applied.
        ssize_t n = rd_kafka_consume_batch_queue(queue_, timeout, buffer.data(), 1);
        if (n == 1 && max > 1) {
            const ssize_t more = rd_kafka_consume_batch_queue(queue_, 0, buffer.data() + 1, max - 1);
            if (more > 0) n += more;
        }
        for (ssize_t i = 0; i < n; ++i) batch.emplace_back(buffer[static_cast<std::size_t>(i)]);
        if (batch.empty()) {
            commit_pending();
            continue;
        }
        try {
            take(batch, released, epoch);
        } catch (const std::exception& e) {
            // Unexpected (e.g. out of memory): do not commit, re-read the batch.
            log::error("consumer", "{} worker {}: batch failed: {}", ctx_.topic, index_, e.what());
            rewind(batch);
        }
        ctx_.ownership->end_batch(index_);
    }
}

void PartitionWorker::take(Batch& batch, std::size_t released, std::uint64_t epoch) {
    std::set<std::int32_t> partitions;
    for (const auto& m : batch) {
        if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) partitions.insert(m->partition);
    }
    const std::set<std::int32_t> kept = ctx_.ownership->begin_batch(index_, epoch, partitions);
    Batch ready;
    Batch fresh;
    for (std::size_t i = 0; i < batch.size(); ++i) {
        auto& m = batch[i];
        if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                log::warn("consumer", "{} worker {}: consume error: {}", ctx_.topic, index_,
                          rd_kafka_message_errstr(m.get()));
            }
        } else if (kept.count(m->partition)) {
            (i < released ? ready : fresh).push_back(std::move(m));
        }
    }
    if (ctx_.gate) ctx_.gate->admit(fresh);
    for (auto& m : fresh) ready.push_back(std::move(m));
    batch = std::move(ready);  // the caller keeps them alive until end_batch (and rewinds on failure)
    if (!batch.empty()) process(batch);
}

void PartitionWorker::process(Batch& batch) {
    BatchVerdict verdict = BatchVerdict::Retry;
    try {
        verdict = handler_->process(batch, [this] { return give_up(); });
    } catch (const std::exception& e) {
        log::error("consumer", "{} worker {}: batch failed: {}", ctx_.topic, index_, e.what());
    }
    switch (verdict) {
        case BatchVerdict::Done:
            commit(batch);
            break;
        case BatchVerdict::Retry:
            rewind(batch);
            break;
        case BatchVerdict::Crashed:
            ctx_.crashed->store(true);
            break;
    }
}

void PartitionWorker::rewind(const Batch& batch) {
    if (ctx_.crashed->load() || ctx_.stopping->load()) return;  // the next owner starts from the committed offset
    // The fetcher already moved past these records: seek back so a still-owned partition re-reads them.
    std::map<std::int32_t, std::int64_t> first;
    for (const auto& m : batch) {
        auto [it, inserted] = first.emplace(m->partition, m->offset);
        if (!inserted) it->second = std::min(it->second, m->offset);
    }
    std::vector<std::int32_t> partitions;
    for (const auto& [p, offset] : first) partitions.push_back(p);
    // Records the gate keeps come after these: the seek re-reads them too.
    if (ctx_.gate) ctx_.gate->forget(partitions);
    PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(first.size())));
    for (const auto& [p, offset] : first) {
        if (!ctx_.ownership->owns(p)) continue;
        rd_kafka_topic_partition_list_add(list.get(), ctx_.topic.c_str(), p)->offset = offset;
    }
    if (list->cnt == 0) return;
    rd_kafka_error_t* error = rd_kafka_seek_partitions(ctx_.consumer, list.get(), kSeekTimeoutMs);
    if (error) {
        log::error("consumer", "{} worker {}: cannot rewind: {}", ctx_.topic, index_, rd_kafka_error_string(error));
        rd_kafka_error_destroy(error);
    }
}

void PartitionWorker::commit(const Batch& batch) {
    for (const auto& m : batch) {
        auto& next = pending_commit_[m->partition];
        next = std::max(next, m->offset + 1);
    }
    commit_pending();
}

void PartitionWorker::commit_pending() {
    if (pending_commit_.empty()) return;
    PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(pending_commit_.size())));
    for (auto it = pending_commit_.begin(); it != pending_commit_.end();) {
        // A partition that moved on is the new owner's to commit.
        if (!ctx_.ownership->owns(it->first)) {
            it = pending_commit_.erase(it);
            continue;
        }
        rd_kafka_topic_partition_list_add(list.get(), ctx_.topic.c_str(), it->first)->offset = it->second;
        ++it;
    }
    if (list->cnt == 0) return;
    rd_kafka_resp_err_t err = rd_kafka_commit(ctx_.consumer, list.get(), 0 /* synchronous */);
    for (int i = 0; err == RD_KAFKA_RESP_ERR_NO_ERROR && i < list->cnt; ++i) err = list->elems[i].err;
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        pending_commit_.clear();
        return;
    }
    // Records stay applied; the commit is retried on the next round (or the next owner re-reads them, and
    // the database makes that harmless).
    MessagingMetrics::get().commit_failures.fetch_add(1, std::memory_order_relaxed);
    // During a rebalance the broker refuses commits for a while: one line per second is enough.
    const auto now = std::chrono::steady_clock::now();
    if (now - last_commit_warning_ < std::chrono::seconds(1)) return;
    last_commit_warning_ = now;
    log::warn("consumer", "{} worker {}: offset commit failed: {}; will retry", ctx_.topic, index_,
              rd_kafka_err2str(err));
}

}  // namespace coupon::messaging
