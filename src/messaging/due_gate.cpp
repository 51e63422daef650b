#include "due_gate.hpp"

#include <set>

#include "coupon/base/log.hpp"
#include "spring_retry_records.hpp"
#include "record_view.hpp"

namespace coupon::messaging {

DueGate::DueGate(rd_kafka_t* consumer, std::string topic, const domain::Clock& clock)
    : consumer_(consumer), topic_(std::move(topic)), clock_(clock) {}

std::optional<domain::TimePoint> DueGate::due_time(const rd_kafka_message_t& m) {
    const auto header = last_header(m, kBackoffHeader);
    if (!header) return std::nullopt;
    const auto millis = read_number_header(*header);
    if (!millis) return std::nullopt;
    return domain::TimePoint(std::chrono::milliseconds(*millis));
}

bool DueGate::due(const rd_kafka_message_t& m) const {
    const auto at = due_time(m);
    return !at || clock_.now() >= *at;
}

void DueGate::admit(Batch& batch) {
    std::vector<std::int32_t> to_pause;
    {
        std::lock_guard lock(mutex_);
        Batch ready;
        ready.reserve(batch.size());
        for (auto& m : batch) {
            auto it = kept_.find(m->partition);
            if (it != kept_.end()) {
                // Queued before the pause took effect: it comes after the kept ones, so it waits behind them.
                it->second.push_back(std::move(m));
            } else if (due(*m)) {
                ready.push_back(std::move(m));
            } else {
                to_pause.push_back(m->partition);
                kept_[m->partition].push_back(std::move(m));
            }
        }
        batch = std::move(ready);
    }
    if (!to_pause.empty()) set_paused(to_pause, true);
}

Batch DueGate::release() {
    Batch out;
    std::vector<std::int32_t> to_resume;
    {
        std::lock_guard lock(mutex_);
        for (auto it = kept_.begin(); it != kept_.end();) {
            auto& queue = it->second;
            while (!queue.empty() && due(*queue.front())) {
                out.push_back(std::move(queue.front()));
                queue.pop_front();
            }
            if (queue.empty()) {
                to_resume.push_back(it->first);
                it = kept_.erase(it);
            } else {
                ++it;
            }
        }
    }
    if (!to_resume.empty()) set_paused(to_resume, false);
    return out;
}

void DueGate::forget(const std::vector<std::int32_t>& partitions) {
    std::vector<std::int32_t> to_resume;
    {
        std::lock_guard lock(mutex_);
        for (std::int32_t p : partitions) {
            if (kept_.erase(p)) to_resume.push_back(p);
        }
    }
    if (!to_resume.empty()) set_paused(to_resume, false);
}

std::size_t DueGate::kept() const {
    std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const auto& [p, queue] : kept_) n += queue.size();
    return n;
}

bool DueGate::holds(std::int32_t partition) const {
    std::lock_guard lock(mutex_);
    return kept_.count(partition) > 0;
}

void DueGate::set_paused(const std::vector<std::int32_t>& partitions, bool pause) {
    PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
    for (std::int32_t p : std::set<std::int32_t>(partitions.begin(), partitions.end())) {
        rd_kafka_topic_partition_list_add(list.get(), topic_.c_str(), p);
    }
    const rd_kafka_resp_err_t err =
        pause ? rd_kafka_pause_partitions(consumer_, list.get()) : rd_kafka_resume_partitions(consumer_, list.get());
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        log::warn("consumer", "{} partitions of {}: {}", pause ? "pausing" : "resuming", topic_, rd_kafka_err2str(err));
    }
    log::debug("consumer", "{} {} partition(s) of {} (records not due yet)", pause ? "paused" : "resumed",
               list->cnt, topic_);
}

}  // namespace coupon::messaging
