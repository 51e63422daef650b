#include "publish_pipeline.hpp"

#include <algorithm>

#include "coupon/domain/log.hpp"
#include "messaging_metrics.hpp"
#include "result_publisher.hpp"

namespace coupon::messaging {
namespace {

constexpr auto kFirstBackoff = std::chrono::milliseconds(100);
constexpr auto kMaxBackoff = std::chrono::seconds(5);

}  // namespace

struct PublishPipeline::Flight {
    std::vector<OutRecord> records;
    Offsets offsets;
    const char* what = "results";
    std::shared_ptr<Signal> signal;
    std::function<void()> wake;
    // Guarded by signal->mutex (one lock for all flights: callbacks are short).
    std::size_t outstanding = 0;
    std::vector<std::size_t> failed;
    std::string first_error;
    // Worker thread only.
    std::chrono::milliseconds backoff = kFirstBackoff;
    std::chrono::steady_clock::time_point retry_at{};
    bool retry_scheduled = false;

    // Called once per record sent (or refused at enqueue). Finishing wakes the worker.
    void done(std::size_t index, rd_kafka_resp_err_t err, const std::string& reason) {
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

PublishPipeline::PublishPipeline(ResultPublisher& publisher, std::function<void()> wake)
    : publisher_(publisher), wake_(std::move(wake)) {}

void PublishPipeline::push(std::vector<OutRecord> records, Offsets offsets, const char* what) {
    auto flight = std::make_shared<Flight>();
    flight->records = std::move(records);
    flight->offsets = std::move(offsets);
    flight->what = what;
    flight->signal = signal_;
    flight->wake = wake_;
    std::vector<std::size_t> all(flight->records.size());
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
    flights_.push_back(flight);
    send(flight, all);
}

void PublishPipeline::send(const std::shared_ptr<Flight>& flight, const std::vector<std::size_t>& indexes) {
    {
        std::lock_guard lock(signal_->mutex);
        flight->outstanding = indexes.size();
        flight->failed.clear();
        flight->first_error.clear();
    }
    for (std::size_t i : indexes) {
        const rd_kafka_resp_err_t err =
            publisher_.send(flight->records[i], [flight, i](rd_kafka_resp_err_t e, const std::string& reason) {
                flight->done(i, e, reason);
            });
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) flight->done(i, err, "not enqueued");
    }
}

std::size_t PublishPipeline::unfinished() const {
    std::size_t n = 0;
    for (const auto& f : flights_) n += f->outstanding > 0 || !f->failed.empty();
    return n;
}

void PublishPipeline::settle(Offsets& committable) {
    const auto now = std::chrono::steady_clock::now();
    std::unique_lock lock(signal_->mutex);
    for (auto it = flights_.begin(); it != flights_.end(); ++it) {
        Flight& f = **it;
        if (f.outstanding > 0 || f.failed.empty()) continue;
        // Finished with refusals: produce those again after a backoff (they must be stored before commit).
        if (!f.retry_scheduled) {
            f.retry_scheduled = true;
            f.retry_at = now + f.backoff;
            MessagingMetrics::get().publish_failures.fetch_add(1, std::memory_order_relaxed);
            log::warn("consumer", "publishing {} of {} {} failed: {}; retrying in {} ms", f.failed.size(),
                      f.records.size(), f.what, f.first_error, f.backoff.count());
            continue;
        }
        if (now < f.retry_at) continue;
        f.retry_scheduled = false;
        f.backoff = std::min<std::chrono::milliseconds>(f.backoff * 2, kMaxBackoff);
        std::vector<std::size_t> again = f.failed;
        auto flight = *it;
        lock.unlock();
        send(flight, again);
        lock.lock();
    }
    while (!flights_.empty()) {
        Flight& f = *flights_.front();
        if (f.outstanding > 0 || !f.failed.empty()) break;
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
