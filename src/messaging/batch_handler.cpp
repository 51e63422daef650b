#include "batch_handler.hpp"

#include <algorithm>

#include "coupon/domain/log.hpp"
#include "coupon/messaging/backlog_guard.hpp"
#include "result_publisher.hpp"
#include "store_retry.hpp"

namespace coupon::messaging {
namespace {

// Reserves room for records[from..from+n) with n >= 1 as large as fits, waiting with backoff while nothing
// fits. 0 when it gave up while waiting.
std::size_t wait_for_room(BacklogGuard& guard, const std::vector<BacklogGuard::Slot>& slots, std::size_t from,
                          const char* what, const GiveUp& give_up) {
    const std::vector<BacklogGuard::Slot> rest(slots.begin() + static_cast<std::ptrdiff_t>(from), slots.end());
    // Short first waits: the guard samples every backlog_sample_interval, and a consumer downstream that
    // commits frees room within one sample.
    std::chrono::milliseconds delay(50);
    const auto since = std::chrono::steady_clock::now();
    auto next_log = since;
    for (;;) {
        const std::size_t n = guard.reserve(rest);
        if (n > 0) return n;
        const auto now = std::chrono::steady_clock::now();
        if (now >= next_log) {
            log::warn("consumer",
                      "no room for {} {} in {} [{}] (backlog guard, waited {} ms): holding the batch, nothing "
                      "committed until that topic's consumers catch up",
                      rest.size(), what, rest.front().topic, rest.front().partition,
                      std::chrono::duration_cast<std::chrono::milliseconds>(now - since).count());
            next_log = now + std::chrono::seconds(5);
        }
        if (wait_or_give_up(delay, give_up)) return 0;
        delay = std::min<std::chrono::milliseconds>(delay * 2, std::chrono::seconds(1));
    }
}

}  // namespace

std::size_t stored_size(const OutRecord& record) {
    // Each header costs its name, its value and about 4 bytes of varint framing.
    std::size_t bytes = record.key.size() + record.value.size();
    for (const auto& [name, value] : record.headers) bytes += name.size() + value.size() + 4;
    return bytes;
}

bool publish_until_stored(ResultPublisher& publisher, const std::vector<OutRecord>& records, const char* what,
                          const GiveUp& give_up, BacklogGuard* guard) {
    constexpr auto kTimeout = std::chrono::seconds(30);
    std::vector<BacklogGuard::Slot> slots;
    if (guard) {
        slots.reserve(records.size());
        for (const auto& r : records) slots.push_back({r.topic, r.partition, stored_size(r)});
    }
    std::chrono::milliseconds delay(100);
    // Without a guard one part: the whole batch. With one, the longest run that fits; a batch larger than a
    // partition's limit thus goes out in parts as its consumers make room (a part stored before giving up
    // is forwarded again when the batch is re-read: consumers are idempotent).
    for (std::size_t done = 0; done < records.size();) {
        std::size_t n = records.size() - done;
        if (guard) {
            n = wait_for_room(*guard, slots, done, what, give_up);
            if (n == 0) return false;
        }
        const bool whole = done == 0 && n == records.size();
        const std::string error =
            whole ? publisher.publish(records, kTimeout, guard)
                  : publisher.publish(std::vector<OutRecord>(records.begin() + static_cast<std::ptrdiff_t>(done),
                                                             records.begin() + static_cast<std::ptrdiff_t>(done + n)),
                                      kTimeout, guard);
        if (error.empty()) {
            done += n;
            delay = std::chrono::milliseconds(100);
            continue;
        }
        log::warn("consumer", "publishing {} {} failed: {}; retrying in {} ms", n, what, error, delay.count());
        if (wait_or_give_up(delay, give_up)) return false;
        delay = std::min<std::chrono::milliseconds>(delay * 2, std::chrono::seconds(5));
    }
    return true;
}

}  // namespace coupon::messaging
