#include "publish_pipeline.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <iterator>
#include <limits>

#include "backoff.hpp"
#include "coupon/base/log.hpp"
#include "coupon/messaging/backlog_guard.hpp"
#include "messaging_metrics.hpp"
#include "result_publisher.hpp"

namespace coupon::messaging {
namespace {

constexpr auto kRoomLogEvery = std::chrono::seconds(5);
// Batches waiting for the sender: the in-flight bound keeps a member far below this (16 at most).
constexpr std::size_t kSenderQueue = 64;
// The hand-off's place in a batch's acknowledgement group: counted out stored, it is never a record's index.
constexpr std::size_t kHandOffIndex = std::numeric_limits<std::size_t>::max();

}  // namespace

std::size_t stored_size(const OutRecord& record) {
    // Each header costs its name, its value and about 4 bytes of varint framing.
    std::size_t bytes = record.key.size() + record.value.size();
    for (const auto& [name, value] : record.headers) bytes += name.size() + value.size() + 4;
    return bytes;
}

struct PublishPipeline::Flight {
    std::vector<domain::IssueResult> results;  // until prepare() encodes them in front of `records`
    std::vector<OutRecord> records;
    std::size_t size = 0;  // records once prepared: what the in-flight bound counts, fixed at push
    Offsets offsets;
    const char* what = "results";
    std::shared_ptr<AckWaiter::Group> acks;  // counted by the delivery callbacks
    // True while the sender thread has the batch; the members below are then its alone.
    std::atomic<bool> handed{false};
    // Worker thread only (or the sender's while handed).
    std::vector<bool> guarded;        // per record: its topic counts against the guard's room
    std::vector<std::size_t> unsent;  // waiting for room in their partition (guard) or for their retry
    std::vector<std::size_t> failed;  // refused by the broker, taken from `acks` once all of them answered
    std::string first_error;
    Backoff backoff;
    base::MonotonicClock::TimePoint retry_at{};
    bool retry_scheduled = false;
    base::MonotonicClock::TimePoint waiting_since{};
    base::MonotonicClock::TimePoint next_room_log{};
};

PublishPipeline::PublishPipeline(ResultPublisher& publisher, BacklogGuard* guard, std::function<void()> wake,
                                 const base::MonotonicClock& clock, Sender sender)
    : publisher_(publisher),
      guard_(guard),
      clock_(clock),
      acks_(std::move(wake)),
      sender_settings_(std::move(sender)) {}

void PublishPipeline::push(std::vector<domain::IssueResult> results, std::vector<OutRecord> records, Offsets offsets,
                           const char* what) {
    auto flight = std::make_shared<Flight>();
    flight->size = results.size() + records.size();
    flight->results = std::move(results);
    flight->records = std::move(records);
    flight->offsets = std::move(offsets);
    flight->what = what;
    flight->acks = acks_.group();
    const bool sender_busy =
        std::any_of(flights_.begin(), flights_.end(), [this](const auto& f) { return with_sender(*f); });
    flights_.push_back(flight);
    if ((sender_busy || flight->size >= sender_settings_.min_records) && hand_off(flight)) return;
    prepare(*flight);
    send_unsent(*flight);
}

bool PublishPipeline::with_sender(const Flight& flight) const {
    return flight.handed.load(std::memory_order_acquire);
}

bool PublishPipeline::hand_off(const std::shared_ptr<Flight>& flight) {
    if (sender_settings_.thread.empty()) return false;
    if (!sender_) sender_ = std::make_unique<base::JobPool>(1, kSenderQueue, sender_settings_.thread);
    // One more outstanding acknowledgement while the sender has the batch: it stays unfinished, and counting
    // it out wakes whoever waits for the batch (the member's poll, wait_for_room).
    Producer::OnReport handed_back = acks_.expect(flight->acks, kHandOffIndex);
    flight->handed.store(true, std::memory_order_relaxed);
    const bool posted = sender_->post([this, flight, handed_back] {
        try {
            prepare(*flight);
            send_unsent(*flight);
        } catch (const std::exception& e) {
            // Only allocation can fail here. A batch half encoded or half sent must never finish (its offsets
            // would be committed without all its results), and on the member's thread the same failure ends
            // the process: so it does here, and the next owner decides the batch again from its offsets.
            log::error("consumer", "sending a decided batch of {} failed: {}; stopping", flight->what, e.what());
            std::terminate();
        }
        flight->handed.store(false, std::memory_order_release);
        handed_back(Producer::Report{});
    });
    if (!posted) {
        flight->handed.store(false, std::memory_order_relaxed);
        handed_back(Producer::Report{});
    }
    return posted;
}

void PublishPipeline::prepare(Flight& f) const {
    if (!f.results.empty()) {
        std::vector<OutRecord> all;
        all.reserve(f.size);
        publisher_.append_result_records(f.results, all);
        std::move(f.records.begin(), f.records.end(), std::back_inserter(all));
        f.records = std::move(all);
        f.results = {};
    }
    f.unsent.resize(f.records.size());
    f.guarded.resize(f.records.size());
    for (std::size_t i = 0; i < f.unsent.size(); ++i) {
        f.unsent[i] = i;
        f.guarded[i] = guard_ && guard_->guards(f.records[i].topic);
    }
}

void PublishPipeline::send_unsent(Flight& f) {
    if (f.unsent.empty()) return;
    std::size_t n = f.unsent.size();
    if (guard_) {
        // The embedded broker drops what passes its per-partition bound: produce only what has room, in
        // order; the rest waits here, the batch stays uncommitted, and this stage's own topic fills up instead.
        // Only the guarded records ask for room (results always fit): where each stands in `unsent`.
        std::vector<BacklogGuard::Slot> slots;
        std::vector<std::size_t> slot_at;
        for (std::size_t k = 0; k < f.unsent.size(); ++k) {
            const OutRecord& r = f.records[f.unsent[k]];
            if (!f.guarded[f.unsent[k]]) continue;
            slots.push_back({r.topic, r.partition, stored_size(r)});
            slot_at.push_back(k);
        }
        if (!slots.empty()) {
            const std::size_t fit = guard_->reserve(slots);
            if (fit < slots.size()) n = slot_at[fit];  // everything before the first guarded record without room
        }
        const auto now = clock_.now();
        if (n < f.unsent.size()) {
            if (f.waiting_since == base::MonotonicClock::TimePoint{}) f.waiting_since = now;
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
    for (std::size_t i : now_sending) {
        const OutRecord& r = f.records[i];
        AckWaiter::Then account;
        if (f.guarded[i]) {
            account = [guard = guard_, topic = r.topic, partition = r.partition](const Producer::Report& report) {
                guard->on_delivery(topic, partition, !report.err, report.offset);
            };
        }
        const rd_kafka_resp_err_t err = publisher_.send(r, acks_.expect(f.acks, i, std::move(account)));
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            if (f.guarded[i]) guard_->on_delivery(r.topic, r.partition, false, -1);
            acks_.refused(f.acks, i, std::string(rd_kafka_err2name(err)) + ": not enqueued");
        }
    }
}

bool PublishPipeline::finished(const Flight& f) const {
    return !with_sender(f) && acks_.progress(*f.acks).settled() && f.failed.empty() && f.unsent.empty();
}

PublishPipeline::Unfinished PublishPipeline::unfinished() const {
    Unfinished out;
    for (const auto& f : flights_) {
        if (finished(*f)) continue;
        ++out.batches;
        out.records += f->size;
    }
    return out;
}

void PublishPipeline::settle(Offsets& committable) {
    const auto now = clock_.now();
    for (const auto& flight : flights_) {
        Flight& f = *flight;
        if (with_sender(f)) continue;  // the sender's until it counts the hand-off out
        send_unsent(f);  // room may have come
        if (acks_.progress(*f.acks).outstanding > 0) continue;  // every record of it answers first
        acks_.take_failed(*f.acks, f.failed, f.first_error);
        if (f.failed.empty()) continue;
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
        send_unsent(f);
    }
    while (!flights_.empty()) {
        Flight& f = *flights_.front();
        if (!finished(f)) break;
        for (const auto& [p, next] : f.offsets) {
            auto& slot = committable[p];
            slot = std::max(slot, next);
        }
        flights_.pop_front();
    }
}

bool PublishPipeline::wait_below(std::size_t max, std::chrono::milliseconds within) {
    return acks_.wait_until([&] { return unfinished().batches < max; }, within);
}

bool PublishPipeline::has_room(const InFlightBound& bound) const {
    std::size_t records = 0;
    for (const auto& f : flights_) records += f->size;
    return bound.admits(flights_.size(), records);
}

bool PublishPipeline::wait_for_room(const InFlightBound& bound, std::chrono::milliseconds within) {
    return acks_.wait_until(
        [&] {
            const Unfinished load = unfinished();
            return bound.admits(load.batches, load.records);
        },
        within);
}

}  // namespace coupon::messaging
