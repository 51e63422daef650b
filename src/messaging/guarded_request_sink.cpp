#include "coupon/messaging/guarded_request_sink.hpp"

#include <vector>

#include "coupon/base/log.hpp"
#include "messaging_metrics.hpp"

namespace coupon::messaging {

using domain::AcceptStatus;

GuardedRequestSink::GuardedRequestSink(KafkaRequestSink& inner, BacklogGuard& guard, std::string topic,
                                       std::chrono::milliseconds wait, std::size_t max_waiting)
    : inner_(inner), guard_(guard), topic_(std::move(topic)), wait_(wait), max_waiting_(max_waiting) {
    if (wait_.count() > 0) guard_.serve_waiters([this] { return serve(); });
}

GuardedRequestSink::~GuardedRequestSink() { stop(); }

BacklogGuard::Slot GuardedRequestSink::slot_of(const EncodedRequest& record) const {
    return BacklogGuard::Slot{topic_, record.partition, record.bytes};
}

void GuardedRequestSink::submit(const domain::IssueRequest& request, Done done) {
    EncodedRequest record = inner_.encode(request);
    // Nobody waits (the usual case): room or not is the guard's answer alone.
    if (waiting_now_.load(std::memory_order_acquire) == 0 && guard_.try_reserve(slot_of(record))) {
        return produce(record, std::move(done));
    }
    constexpr const char* kFull = "partition backlog limit reached";
    if (wait_.count() == 0) return refuse(done, kFull);
    enum class Next { Wait, Produce, Refuse } next = Next::Wait;
    const char* refusal = kFull;
    bool first = false;
    {
        std::lock_guard lock(mutex_);
        auto& queue = queues_[record.partition];
        if (queue.empty() && !handing_over_ && guard_.try_reserve(slot_of(record))) {
            next = Next::Produce;  // room after all
        } else if (stopped_) {
            next = Next::Refuse;
        } else if (queued_ >= max_waiting_) {
            next = Next::Refuse;
            refusal = "partition backlog limit reached and too many requests waiting for room";
        } else {
            queue.push_back(Waiting{std::move(record), std::move(done), Clock::now() + wait_});
            first = queued_++ == 0;
            waiting_now_.store(queued_, std::memory_order_release);
            MessagingMetrics::get().backlog_waited.fetch_add(1, std::memory_order_relaxed);
        }
    }
    switch (next) {
        case Next::Wait:
            if (first) guard_.waiters_arrived();
            return;
        case Next::Produce: return produce(record, std::move(done));
        case Next::Refuse: return refuse(done, refusal);
    }
}

bool GuardedRequestSink::serve() {
    std::vector<Waiting> ready, expired;
    {
        std::lock_guard lock(mutex_);
        if (queued_ == 0) return false;
        const auto now = Clock::now();
        for (auto& [partition, queue] : queues_) {
            while (!queue.empty() && guard_.try_reserve(slot_of(queue.front().record))) {
                ready.push_back(std::move(queue.front()));
                queue.pop_front();
            }
            // Deadlines grow along a queue (one wait for all): the expired ones are at its front.
            while (!queue.empty() && queue.front().until <= now) {
                expired.push_back(std::move(queue.front()));
                queue.pop_front();
            }
        }
        queued_ -= ready.size() + expired.size();
        handing_over_ = !ready.empty();
        // Newcomers keep queueing until the records taken here are produced, so none overtakes them.
        waiting_now_.store(queued_ + ready.size(), std::memory_order_release);
    }
    for (auto& w : ready) produce(w.record, std::move(w.done));
    for (auto& w : expired) refuse(w.done, "partition backlog limit reached (waited for room)");
    std::lock_guard lock(mutex_);
    handing_over_ = false;
    waiting_now_.store(queued_, std::memory_order_release);
    return queued_ > 0;
}

void GuardedRequestSink::stop() {
    guard_.serve_waiters(nullptr);  // returns after a serve under way
    std::vector<Waiting> left;
    {
        std::lock_guard lock(mutex_);
        stopped_ = true;
        for (auto& [partition, queue] : queues_) {
            for (auto& w : queue) left.push_back(std::move(w));
            queue.clear();
        }
        queued_ = 0;
        waiting_now_.store(0, std::memory_order_release);
    }
    for (auto& w : left) refuse(w.done, "stopping while waiting for backlog room");
}

void GuardedRequestSink::refuse(const Done& done, const char* detail) {
    MessagingMetrics::get().refused_overloaded.fetch_add(1, std::memory_order_relaxed);
    try {
        if (done) done(AcceptStatus::Overloaded, detail, {});
    } catch (const std::exception& e) {
        log::error("kafka", "request callback threw: {}", e.what());
    }
}

void GuardedRequestSink::produce(const EncodedRequest& record, Done done) {
    const std::int32_t partition = record.partition;
    // The inner sink calls back exactly once, also when it refuses without producing.
    inner_.produce(record, [this, partition, done = std::move(done)](AcceptStatus status, const std::string& detail,
                                                                     domain::RecordLocation where) {
        // A record that may have been stored (Unknown) is counted as stored: the estimate must not fall below
        // the truth.
        guard_.on_delivery(topic_, partition, status == AcceptStatus::Accepted || status == AcceptStatus::Unknown,
                           where.offset);
        if (done) done(status, detail, where);
    });
}

}  // namespace coupon::messaging
