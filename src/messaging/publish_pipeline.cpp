#include "publish_pipeline.hpp"

#include <algorithm>

#include "backoff.hpp"
#include "coupon/base/log.hpp"
#include "coupon/messaging/backlog_guard.hpp"
#include "messaging_metrics.hpp"
#include "result_publisher.hpp"

namespace coupon::messaging {
namespace {

constexpr auto kRoomLogEvery = std::chrono::seconds(5);

}  // namespace

std::size_t stored_size(const OutRecord& record) {
    // Each header costs its name, its value and about 4 bytes of varint framing.
    std::size_t bytes = record.key.size() + record.value.size();
    for (const auto& [name, value] : record.headers) bytes += name.size() + value.size() + 4;
    return bytes;
}

struct PublishPipeline::Flight {
    std::vector<OutRecord> records;
    Offsets offsets;
    const char* what = "results";
    std::shared_ptr<Signal> signal;
    std::function<void()> wake;
    BacklogGuard* guard = nullptr;
    // Guarded by signal->mutex (one lock for all flights: callbacks are short).
    std::size_t outstanding = 0;
    std::vector<std::size_t> failed;
    std::string first_error;
    // Worker thread only.
    std::vector<std::size_t> unsent;  // waiting for room in their partition (guard) or for their retry
    Backoff backoff;
    std::chrono::steady_clock::time_point retry_at{};
    bool retry_scheduled = false;
    std::chrono::steady_clock::time_point waiting_since{};
    std::chrono::steady_clock::time_point next_room_log{};

    // Called once per record sent (or refused at enqueue). Finishing wakes the worker.
    void done(std::size_t index, rd_kafka_resp_err_t err, const std::string& reason, std::int64_t offset) {
        if (guard) guard->on_delivery(records[index].topic, records[index].partition, !err, offset);
        bool finished = false;
        {
            std::lock_guard lock(signal->mutex);
            if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
                failed.push_back(index);
                if (first_error.empty()) first_error = std::string(rd_kafka_err2name(err)) + ": " + reason;
            }
            finished = --outstanding == 0;
        }
        if (finished) {
            signal->changed.notify_all();
            if (wake) wake();
        }
    }
};

PublishPipeline::PublishPipeline(ResultPublisher& publisher, BacklogGuard* guard, std::function<void()> wake)
    : publisher_(publisher), guard_(guard), wake_(std::move(wake)) {}

void PublishPipeline::push(std::vector<OutRecord> records, Offsets offsets, const char* what) {
    auto flight = std::make_shared<Flight>();
    flight->records = std::move(records);
    flight->offsets = std::move(offsets);
    flight->what = what;
    flight->signal = signal_;
    flight->wake = wake_;
    flight->guard = guard_;
    flight->unsent.resize(flight->records.size());
    for (std::size_t i = 0; i < flight->unsent.size(); ++i) flight->unsent[i] = i;
    flights_.push_back(flight);
    send_unsent(flight);
}

void PublishPipeline::send_unsent(const std::shared_ptr<Flight>& flight) {
    Flight& f = *flight;
    if (f.unsent.empty()) return;
    std::size_t n = f.unsent.size();
    if (guard_) {
        // The embedded broker drops what passes its per-partition bound: produce only what has room, in
        // order; the rest waits here, the batch stays uncommitted, and this stage's own topic fills up instead.
        std::vector<BacklogGuard::Slot> slots;
        slots.reserve(f.unsent.size());
        for (std::size_t i : f.unsent) {
            const OutRecord& r = f.records[i];
            slots.push_back({r.topic, r.partition, stored_size(r)});
        }
        n = guard_->reserve(slots);
        const auto now = std::chrono::steady_clock::now();
        if (n < f.unsent.size()) {
            if (f.waiting_since == std::chrono::steady_clock::time_point{}) f.waiting_since = now;
            if (now >= f.next_room_log) {
                const OutRecord& r = f.records[f.unsent[n]];
                log::warn("consumer", "no room for {} {} in {} [{}] (backlog guard, waited {} ms): holding the batch, "
                          "nothing committed until that topic's consumers catch up",
                          f.unsent.size() - n, f.what, r.topic, r.partition,
                          std::chrono::duration_cast<std::chrono::milliseconds>(now - f.waiting_since).count());
                f.next_room_log = now + kRoomLogEvery;
            }
        } else {
            f.waiting_since = {};
        }
        if (n == 0) return;
    }
    const std::vector<std::size_t> now_sending(f.unsent.begin(), f.unsent.begin() + static_cast<std::ptrdiff_t>(n));
    f.unsent.erase(f.unsent.begin(), f.unsent.begin() + static_cast<std::ptrdiff_t>(n));
    {
        std::lock_guard lock(signal_->mutex);
        f.outstanding += now_sending.size();
    }
    for (std::size_t i : now_sending) {
        const rd_kafka_resp_err_t err = publisher_.send(
            f.records[i], [flight, i](rd_kafka_resp_err_t e, const std::string& reason, std::int64_t offset) {
                flight->done(i, e, reason, offset);
            });
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) flight->done(i, err, "not enqueued", -1);
    }
}

std::size_t PublishPipeline::unfinished() const {
    std::size_t n = 0;
    for (const auto& f : flights_) n += f->outstanding > 0 || !f->failed.empty() || !f->unsent.empty();
    return n;
}

void PublishPipeline::settle(Offsets& committable) {
    const auto now = std::chrono::steady_clock::now();
    for (const auto& flight : flights_) {
        Flight& f = *flight;
        send_unsent(flight);  // room may have come
        std::unique_lock lock(signal_->mutex);
        if (f.outstanding > 0 || f.failed.empty()) continue;
        // Finished with refusals: produce those again after a backoff (they must be stored before commit).
        if (!f.retry_scheduled) {
            f.retry_scheduled = true;
            f.retry_at = now + f.backoff.current();
            MessagingMetrics::get().publish_failures.fetch_add(1, std::memory_order_relaxed);
            log::warn("consumer", "publishing {} of {} {} failed: {}; retrying in {} ms", f.failed.size(),
                      f.records.size(), f.what, f.first_error, f.backoff.current().count());
            continue;
        }
        if (now < f.retry_at) continue;
        f.retry_scheduled = false;
        f.backoff.grow();
        f.unsent.insert(f.unsent.end(), f.failed.begin(), f.failed.end());
        std::sort(f.unsent.begin(), f.unsent.end());  // forwards keep their offset order
        f.failed.clear();
        f.first_error.clear();
        lock.unlock();
        send_unsent(flight);
    }
    std::lock_guard lock(signal_->mutex);
    while (!flights_.empty()) {
        Flight& f = *flights_.front();
        if (f.outstanding > 0 || !f.failed.empty() || !f.unsent.empty()) break;
        for (const auto& [p, next] : f.offsets) {
            auto& slot = committable[p];
            slot = std::max(slot, next);
        }
        flights_.pop_front();
    }
}

bool PublishPipeline::wait_below(std::size_t max, std::chrono::steady_clock::time_point until) {
    std::unique_lock lock(signal_->mutex);
    return signal_->changed.wait_until(lock, until, [&] { return unfinished() < max; });
}

}  // namespace coupon::messaging
