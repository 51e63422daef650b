#include "event_streams.hpp"

#include <atomic>
#include <exception>

#include "coupon/base/log.hpp"
#include "coupon/base/metrics.hpp"
#include "coupon/base/thread_name.hpp"

namespace coupon::http {

std::string sse_event(std::string_view name, std::string_view json) {
    std::string out;
    out.reserve(name.size() + json.size() + 16);
    out += "event: ";
    out += name;
    out += "\ndata: ";
    out += json;  // serialized JSON holds no raw newline
    out += "\n\n";
    return out;
}

struct EventStreams::Slots {
    explicit Slots(std::size_t max) : max(max) {}
    const std::size_t max;
    std::atomic<std::size_t> open{0};
    base::Metrics::Value& gauge = base::Metrics::global().gauge(
        "coupon_http_event_streams", "open Server-Sent Event streams (bounded by http.max_event_streams)");
    base::Metrics::Value& refused = base::Metrics::global().counter(
        "coupon_http_event_streams_refused_total", "event streams refused with 503 EVENT_STREAMS_FULL");

    bool take() {
        auto now = open.load();
        do {
            if (now >= max) return false;
        } while (!open.compare_exchange_weak(now, now + 1));
        gauge.fetch_add(1, std::memory_order_relaxed);
        return true;
    }
    void give_back() {
        open.fetch_sub(1);
        gauge.fetch_sub(1, std::memory_order_relaxed);
    }
};

EventStreams::EventStreams(Limits limits)
    : limits_(limits), slots_(std::make_shared<Slots>(limits.max_streams)), ticker_([this] { run(); }) {}

EventStreams::~EventStreams() { stop(); }

std::shared_ptr<StreamBody> EventStreams::open() {
    if (!slots_->take()) {
        slots_->refused.fetch_add(1, std::memory_order_relaxed);
        return nullptr;
    }
    auto body = std::make_shared<StreamBody>();
    body->on_close([slots = slots_] { slots->give_back(); });
    return body;
}

void EventStreams::add(const std::shared_ptr<StreamBody>& body, std::shared_ptr<EventFeed> feed) {
    const auto now = std::chrono::steady_clock::now();
    {
        std::lock_guard lock(mutex_);
        if (stopping_) {
            body->end();
            return;
        }
        added_.push_back(Entry{body, std::move(feed), now + limits_.lifetime, now + limits_.heartbeat});
        woken_ = true;
    }
    wake_.notify_one();
}

void EventStreams::wake() {
    {
        std::lock_guard lock(mutex_);
        woken_ = true;
    }
    wake_.notify_one();
}

std::size_t EventStreams::open_count() const { return slots_->open.load(); }

void EventStreams::run() {
    base::name_this_thread("http-events");
    std::vector<Entry> entries;  // the ticker's own: only this thread touches it
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait_for(lock, limits_.tick, [&] { return woken_ || stopping_; });
        woken_ = false;
        for (auto& e : added_) entries.push_back(std::move(e));
        added_.clear();
        if (stopping_) break;
        lock.unlock();
        const auto now = std::chrono::steady_clock::now();
        std::erase_if(entries, [&](Entry& e) {
            auto body = e.body.lock();
            if (!body || body->finished()) return true;  // the client left, or the answer was never delivered
            if (now >= e.until) {
                body->write(sse_event("expired", R"({"reason":"the stream's lifetime is over; open it again"})"));
                body->end();
                return true;
            }
            try {
                if (!e.feed->tick(*body)) return true;
            } catch (const std::exception& ex) {
                log::error("http", "an event stream failed: {}", ex.what());
                body->end();
                return true;
            }
            if (now >= e.heartbeat_at) {
                body->write(": keep-alive\n\n");
                e.heartbeat_at = now + limits_.heartbeat;
            }
            return false;
        });
        lock.lock();
    }
    lock.unlock();
    for (auto& e : entries) {
        if (auto body = e.body.lock()) body->end();
    }
}

void EventStreams::stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        stopping_ = true;
    }
    wake_.notify_all();
    if (ticker_.joinable()) ticker_.join();
}

}  // namespace coupon::http
