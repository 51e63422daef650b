#include "offset_committer.hpp"

#include <algorithm>

#include "coupon/base/log.hpp"
#include "messaging_metrics.hpp"

namespace coupon::messaging {
namespace {

void merge(Offsets& into, const Offsets& from) {
    for (const auto& [p, next] : from) {
        auto& slot = into[p];
        slot = std::max(slot, next);
    }
}

}  // namespace

void OffsetCommitter::add(const Offsets& next) { merge(pending_, next); }

void OffsetCommitter::on_commit(rd_kafka_t*, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* offsets,
                                void* opaque) {
    static_cast<OffsetCommitter*>(opaque)->on_result(err, offsets);
}

void OffsetCommitter::commit_async(rd_kafka_t* consumer, rd_kafka_queue_t* results,
                                   const std::set<std::int32_t>& owned) {
    if (in_flight_ || pending_.empty()) return;
    PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(pending_.size())));
    for (auto it = pending_.begin(); it != pending_.end();) {
        if (!owned.count(it->first)) {
            it = pending_.erase(it);  // no longer ours: the next owner commits it
            continue;
        }
        if (auto c = committed_.find(it->first); c != committed_.end() && it->second < c->second) {
            // Invariant: while a member owns a partition its commits only move forward (STYLE.md 15).
            log::error("consumer", {.topic = topic_, .partition = it->first},
                       "commit would move back from offset {} to {}; skipped", c->second, it->second);
            it = pending_.erase(it);
            continue;
        }
        rd_kafka_topic_partition_list_add(list.get(), topic_.c_str(), it->first)->offset = it->second;
        sent_[it->first] = it->second;
        it = pending_.erase(it);
    }
    if (list->cnt == 0) return;
    // A commit queue of our own, not the conf's offset_commit_cb: synchronous commits (commit_now) then
    // produce no callback that could be mistaken for this one's.
    const rd_kafka_resp_err_t err = rd_kafka_commit_queue(consumer, list.get(), results, &OffsetCommitter::on_commit, this);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        merge(pending_, sent_);
        sent_.clear();
        warn(err);
        return;
    }
    in_flight_ = true;
}

void OffsetCommitter::on_result(rd_kafka_resp_err_t err, const rd_kafka_topic_partition_list_t* offsets) {
    in_flight_ = false;
    for (int i = 0; err == RD_KAFKA_RESP_ERR_NO_ERROR && offsets && i < offsets->cnt; ++i) err = offsets->elems[i].err;
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        merge(pending_, sent_);  // sent again with the next round (newer offsets win)
        sent_.clear();
        warn(err);
        return;
    }
    merge(committed_, sent_);
    sent_.clear();
}

bool OffsetCommitter::commit_now(rd_kafka_t* consumer, const std::set<std::int32_t>& partitions) {
    Offsets now;
    for (std::int32_t p : partitions) {
        for (Offsets* from : {&pending_, &sent_}) {
            auto it = from->find(p);
            if (it == from->end()) continue;
            auto& slot = now[p];
            slot = std::max(slot, it->second);
            // Taken from the commit in flight too: its result, whatever it is, no longer decides p.
            from->erase(it);
        }
    }
    if (now.empty()) return true;
    PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(now.size())));
    for (const auto& [p, next] : now) rd_kafka_topic_partition_list_add(list.get(), topic_.c_str(), p)->offset = next;
    rd_kafka_resp_err_t err = rd_kafka_commit(consumer, list.get(), 0 /* synchronous */);
    for (int i = 0; err == RD_KAFKA_RESP_ERR_NO_ERROR && i < list->cnt; ++i) err = list->elems[i].err;
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        merge(pending_, now);
        warn(err);
        return false;
    }
    merge(committed_, now);
    return true;
}

void OffsetCommitter::forget(const std::set<std::int32_t>& partitions) {
    for (std::int32_t p : partitions) {
        pending_.erase(p);
        committed_.erase(p);
    }
}

void OffsetCommitter::warn(rd_kafka_resp_err_t err) {
    // Records stay applied; the commit is retried (or the next owner re-reads them, and the database makes
    // that harmless). During a rebalance the broker refuses commits for a while: one line a second is enough.
    MessagingMetrics::get().commit_failures.fetch_add(1, std::memory_order_relaxed);
    const auto now = clock_.now();
    if (now - last_warning_ < std::chrono::seconds(1)) return;
    last_warning_ = now;
    log::warn("consumer", "{}: offset commit failed: {}; will retry", topic_, rd_kafka_err2str(err));
}

}  // namespace coupon::messaging
