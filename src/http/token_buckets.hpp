#pragma once
// Token buckets for the edge limits (docs/edge-limits.md), in a table of fixed size: memory is bounded by
// max_keys whatever the number of distinct callers, and nothing is allocated after construction.
//
// The table is set-associative: a key hashes to one set of kWays entries; a key not in its set takes an
// empty entry or the least recently used one of the set (a bucket untouched long enough is full again, so
// evicting it loses nothing; evicting a younger one is counted). A key evicted and seen again starts with a
// full bucket. Sets are guarded by kStripes mutexes (set % kStripes): one hash and one short lock per call,
// never a global one.
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace coupon::http {

// 128 bits: a user id (high = 0) or a client address (IPv6, IPv4 mapped).
struct BucketKey {
    std::uint64_t high = 0;
    std::uint64_t low = 0;
    bool operator==(const BucketKey&) const = default;
};

class TokenBuckets {
public:
    using TimePoint = std::chrono::steady_clock::time_point;
    static constexpr std::size_t kWays = 8;
    static constexpr std::size_t kStripes = 64;

    struct Decision {
        bool allowed = true;
        std::int64_t retry_after_seconds = 0;  // refused: whole seconds until a token is there, at least 1
    };

    // rate: tokens added per second (> 0); burst: the bucket's size (>= 1); max_keys: entries kept, rounded
    // up to whole sets of kWays (at least one set). Throws std::invalid_argument for values out of range.
    TokenBuckets(double rate, std::int64_t burst, std::size_t max_keys);

    // Takes one token from key's bucket at `now` if it has one. Times earlier than the bucket's last use
    // (threads reading the clock in one order and locking in another) count as no time passed.
    Decision take(const BucketKey& key, TimePoint now);

    std::size_t capacity() const { return entries_.size(); }
    std::size_t memory_bytes() const;
    // Buckets displaced before they were full again: more live keys than the table holds.
    std::uint64_t early_evictions() const { return early_evictions_.load(std::memory_order_relaxed); }

private:
    struct Entry {
        BucketKey key;
        double tokens = 0;
        std::int64_t last_ns = 0;  // steady time of the last refill
        bool used = false;
    };
    struct alignas(64) Stripe {
        std::mutex mutex;
    };

    std::size_t set_of(const BucketKey& key) const;
    double refilled(const Entry& entry, std::int64_t now_ns) const;

    const double rate_per_ns_;
    const double burst_;
    const std::uint64_t seed_;
    std::size_t sets_;
    std::vector<Entry> entries_;  // sets_ * kWays, set s at [s * kWays, (s + 1) * kWays)
    std::unique_ptr<Stripe[]> stripes_;
    std::atomic<std::uint64_t> early_evictions_{0};
};

}  // namespace coupon::http
