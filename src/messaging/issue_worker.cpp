#include "issue_worker.hpp"

#include <algorithm>
#include <set>
#include <thread>

#include "coupon/domain/coupon_issuer.hpp"
#include "coupon/domain/log.hpp"
#include "coupon/messaging/message_codec.hpp"
#include "dead_letter.hpp"
#include "messaging_metrics.hpp"

namespace coupon::messaging {
namespace {

constexpr auto kPublishTimeout = std::chrono::seconds(30);
constexpr int kSeekTimeoutMs = 5000;

std::optional<std::string_view> type_header(const rd_kafka_message_t& m) {
    rd_kafka_headers_t* headers = nullptr;
    if (rd_kafka_message_headers(&m, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR || !headers) return std::nullopt;
    const void* value = nullptr;
    size_t size = 0;
    if (rd_kafka_header_get_last(headers, kTypeIdHeader.data(), &value, &size) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return std::nullopt;
    }
    return value ? std::string_view(static_cast<const char*>(value), size) : std::string_view();
}

std::string_view payload(const rd_kafka_message_t& m) {
    return m.payload ? std::string_view(static_cast<const char*>(m.payload), m.len) : std::string_view();
}

}  // namespace

IssueWorker::IssueWorker(int index, WorkerContext context, rd_kafka_queue_t* queue,
                         std::unique_ptr<domain::IssueStore> store)
    : index_(index), ctx_(std::move(context)), queue_(queue), store_(std::move(store)) {}

bool IssueWorker::give_up() const {
    return ctx_.stopping->load() || ctx_.crashed->load() || !ctx_.ownership->batch_owned(index_);
}

void IssueWorker::run() {
    const auto max = static_cast<std::size_t>(std::max(1, ctx_.config->max_poll_records));
    std::vector<rd_kafka_message_t*> buffer(max);
    while (!ctx_.stopping->load() && !ctx_.crashed->load()) {
        const std::uint64_t epoch = ctx_.ownership->epoch();
        const ssize_t n = rd_kafka_consume_batch_queue(queue_, 100, buffer.data(), max);
        if (n <= 0) {
            commit_pending();
            continue;
        }
        Batch batch;
        batch.reserve(static_cast<std::size_t>(n));
        for (ssize_t i = 0; i < n; ++i) batch.emplace_back(buffer[static_cast<std::size_t>(i)]);
        try {
            take(batch, epoch);
        } catch (const std::exception& e) {
            // Unexpected (e.g. out of memory): do not commit, re-read the batch.
            log::error("consumer", "worker {}: batch failed: {}", index_, e.what());
            rewind(batch);
        }
        ctx_.ownership->end_batch(index_);
    }
}

void IssueWorker::take(Batch& batch, std::uint64_t epoch) {
    std::set<std::int32_t> partitions;
    for (const auto& m : batch) {
        if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) partitions.insert(m->partition);
    }
    const std::set<std::int32_t> kept = ctx_.ownership->begin_batch(index_, epoch, partitions);
    Batch mine;
    for (auto& m : batch) {
        if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                log::warn("consumer", "worker {}: consume error: {}", index_, rd_kafka_message_errstr(m.get()));
            }
        } else if (kept.count(m->partition)) {
            mine.push_back(std::move(m));
        }
    }
    batch = std::move(mine);  // the caller keeps them alive until end_batch (and rewinds on failure)
    if (!batch.empty()) process(batch);
}

void IssueWorker::process(const Batch& batch) {
    MessagingMetrics& metrics = MessagingMetrics::get();
    metrics.consumed.fetch_add(static_cast<std::int64_t>(batch.size()), std::memory_order_relaxed);
    std::vector<domain::IssueRequest> requests;
    std::vector<OutRecord> dead;
    for (const auto& m : batch) {
        const RecordOrigin origin{rd_kafka_topic_name(m->rkt), m->partition, m->offset};
        auto decoded = decode_request(payload(*m), type_header(*m), origin);
        if (decoded.value) {
            requests.push_back(std::move(*decoded.value));
            continue;
        }
        // Poison: retrying cannot help, so it goes straight to the DLT and the partition moves on.
        log::warn("consumer", "poison record {}-{}@{}: {}; sending it to {}", origin.topic, origin.partition,
                  origin.offset, decoded.error, ctx_.config->topics.dlt);
        metrics.poison.fetch_add(1, std::memory_order_relaxed);
        dead.push_back(dead_letter_record(*ctx_.config, *m, kPoisonExceptionClass, decoded.error));
    }
    if (!dead.empty() && !publish(dead, "dead letters")) return rewind(batch);

    domain::CouponIssuer issuer(*store_, *ctx_.clock);
    auto results = retry_.run([&] { return issuer.apply(requests); }, [this] { return give_up(); });
    if (!results) return rewind(batch);

    if (ctx_.after_db_commit) {
        try {
            ctx_.after_db_commit();
        } catch (const std::exception& e) {
            log::error("consumer", "worker {}: simulated crash after the database commit ({}): no offsets committed",
                       index_, e.what());
            ctx_.crashed->store(true);
            return;
        }
    }

    std::vector<OutRecord> out;
    out.reserve(results->size());
    for (const auto& r : *results) {
        out.push_back(ctx_.publisher->result_record(r));
        MessagingMetrics::outcome(r.outcome).fetch_add(1, std::memory_order_relaxed);
    }
    // A committed offset must always have its result published (the HTTP waiters depend on it).
    if (!publish(out, "results")) return rewind(batch);
    metrics.batches.fetch_add(1, std::memory_order_relaxed);
    commit(batch);
}

bool IssueWorker::publish(const std::vector<OutRecord>& records, const char* what) {
    std::chrono::milliseconds delay(100);
    for (;;) {
        const std::string error = ctx_.publisher->publish(records, kPublishTimeout);
        if (error.empty()) return true;
        log::warn("consumer", "worker {}: publishing {} {} failed: {}; retrying in {} ms", index_, records.size(), what,
                  error, delay.count());
        if (wait_or_give_up(delay, [this] { return give_up(); })) return false;
        delay = std::min<std::chrono::milliseconds>(delay * 2, std::chrono::seconds(5));
    }
}

void IssueWorker::rewind(const Batch& batch) {
    if (ctx_.crashed->load() || ctx_.stopping->load()) return;  // the next owner starts from the committed offset
    // The fetcher already moved past these records: seek back so a still-owned partition re-reads them.
    std::map<std::int32_t, std::int64_t> first;
    for (const auto& m : batch) {
        auto [it, inserted] = first.emplace(m->partition, m->offset);
        if (!inserted) it->second = std::min(it->second, m->offset);
    }
    PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(first.size())));
    for (const auto& [p, offset] : first) {
        if (!ctx_.ownership->owns(p)) continue;
        rd_kafka_topic_partition_list_add(list.get(), ctx_.config->topics.issue.c_str(), p)->offset = offset;
    }
    if (list->cnt == 0) return;
    rd_kafka_error_t* error = rd_kafka_seek_partitions(ctx_.consumer, list.get(), kSeekTimeoutMs);
    if (error) {
        log::error("consumer", "worker {}: cannot rewind: {}", index_, rd_kafka_error_string(error));
        rd_kafka_error_destroy(error);
    }
}

void IssueWorker::commit(const Batch& batch) {
    for (const auto& m : batch) {
        auto& next = pending_commit_[m->partition];
        next = std::max(next, m->offset + 1);
    }
    commit_pending();
}

void IssueWorker::commit_pending() {
    if (pending_commit_.empty()) return;
    PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(pending_commit_.size())));
    for (auto it = pending_commit_.begin(); it != pending_commit_.end();) {
        // A partition that moved on is the new owner's to commit.
        if (!ctx_.ownership->owns(it->first)) {
            it = pending_commit_.erase(it);
            continue;
        }
        rd_kafka_topic_partition_list_add(list.get(), ctx_.config->topics.issue.c_str(), it->first)->offset = it->second;
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
    log::warn("consumer", "worker {}: offset commit failed: {}; will retry", index_, rd_kafka_err2str(err));
}

}  // namespace coupon::messaging
