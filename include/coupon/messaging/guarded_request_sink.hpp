#pragma once
// The embedded broker's front door: a RequestSink in front of KafkaRequestSink that produces a request only
// when its issue partition has room under the BacklogGuard's limit, and tells the guard where each accepted
// record was stored. The app adds it only for the embedded broker; with a real Kafka cluster requests go
// straight to KafkaRequestSink.
//
// A request that finds its partition full waits for room, in arrival order, for at most `wait`
// (kafka.embedded.backlog_wait_ms): the guard serves the waiting requests after each of its samples, which
// come every 20 ms while any wait. Only a request still without room at its deadline is refused
// (Overloaded: the HTTP layer answers 503 SERVICE_BUSY + Retry-After). Under a flood whose consumers fall a
// little behind, the intake slows to their pace instead of refusing, and a request that came first is not
// overtaken by one that came after it; `wait` 0 refuses at once.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>

#include "coupon/domain/request_sink.hpp"
#include "coupon/messaging/backlog_guard.hpp"
#include "coupon/messaging/kafka_request_sink.hpp"

namespace coupon::messaging {

class GuardedRequestSink final : public domain::RequestSink {
public:
    // Both must outlive this sink and every pending callback (stop the inner sink before destroying the guard).
    // At most `max_waiting` requests wait at once; beyond them a request is refused at once.
    GuardedRequestSink(KafkaRequestSink& inner, BacklogGuard& guard, std::string topic,
                       std::chrono::milliseconds wait = std::chrono::milliseconds(0), std::size_t max_waiting = 20000);
    ~GuardedRequestSink() override;  // stop()
    GuardedRequestSink(const GuardedRequestSink&) = delete;
    GuardedRequestSink& operator=(const GuardedRequestSink&) = delete;

    void submit(const domain::IssueRequest& request, Done done) override;
    // Refuses every waiting request (Overloaded) and lets no new one wait. Call before the guard stops.
    void stop();
    // Requests waiting for room now.
    std::size_t waiting() const { return waiting_now_.load(std::memory_order_relaxed); }

private:
    struct Waiting {
        EncodedRequest record;
        Done done;
        std::chrono::steady_clock::time_point until;
    };
    using Clock = std::chrono::steady_clock;

    BacklogGuard::Slot slot_of(const EncodedRequest& record) const;
    void produce(const EncodedRequest& record, Done done);
    static void refuse(const Done& done, const char* detail);
    // The guard's ServeWaiters: produces, in order, what now has room; refuses what waited its whole time.
    bool serve();

    KafkaRequestSink& inner_;
    BacklogGuard& guard_;
    const std::string topic_;
    const std::chrono::milliseconds wait_;
    const std::size_t max_waiting_;

    std::mutex mutex_;                                 // queues_, queued_, handing_over_, stopped_
    std::map<std::int32_t, std::deque<Waiting>> queues_;  // per partition, arrival order
    std::size_t queued_ = 0;
    bool handing_over_ = false;  // serve() is producing records it took off a queue: newcomers queue behind
    bool stopped_ = false;
    std::atomic<std::size_t> waiting_now_{0};  // queued_, readable without the mutex (the fast path)
};

}  // namespace coupon::messaging
