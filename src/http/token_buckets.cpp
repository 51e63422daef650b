#include "token_buckets.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>

namespace coupon::http {
namespace {

constexpr double kNanosPerSecond = 1e9;
// Retry-After is capped: a limit so slow that its wait exceeds a day is a configuration mistake.
constexpr std::int64_t kMaxRetryAfter = 86'400;

std::uint64_t mix(std::uint64_t x) {  // splitmix64's finaliser
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

std::int64_t nanos(TokenBuckets::TimePoint at) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(at.time_since_epoch()).count();
}

}  // namespace

TokenBuckets::TokenBuckets(double rate, std::int64_t burst, std::size_t max_keys)
    : rate_per_ns_(rate / kNanosPerSecond),
      burst_(static_cast<double>(burst)),
      // A per-process seed: which keys share a set cannot be planned from outside.
      seed_(std::random_device{}()),
      sets_(std::max<std::size_t>(1, (max_keys + kWays - 1) / kWays)),
      entries_(sets_ * kWays),
      stripes_(std::make_unique<Stripe[]>(kStripes)) {
    if (!(rate > 0) || !std::isfinite(rate)) throw std::invalid_argument("token bucket rate must be > 0");
    if (burst < 1) throw std::invalid_argument("token bucket burst must be >= 1");
}

std::size_t TokenBuckets::memory_bytes() const {
    return sizeof(*this) + entries_.size() * sizeof(Entry) + kStripes * sizeof(Stripe);
}

std::size_t TokenBuckets::set_of(const BucketKey& key) const {
    const auto h = mix(key.low ^ mix(key.high ^ seed_));
    // Lemire's multiply-shift maps 32 bits of the hash onto [0, sets_) without a division or a power-of-two
    // size (sets_ < 2^32: max_keys is bounded by the configuration).
    return static_cast<std::size_t>(((h >> 32) * sets_) >> 32);
}

double TokenBuckets::refilled(const Entry& entry, std::int64_t now_ns) const {
    const auto elapsed = static_cast<double>(std::max<std::int64_t>(0, now_ns - entry.last_ns));
    return std::min(burst_, entry.tokens + elapsed * rate_per_ns_);
}

TokenBuckets::Decision TokenBuckets::take(const BucketKey& key, TimePoint now) {
    const auto now_ns = nanos(now);
    const auto set = set_of(key);
    Entry* const first = entries_.data() + set * kWays;
    std::lock_guard lock(stripes_[set % kStripes].mutex);

    Entry* entry = nullptr;
    Entry* victim = first;
    for (Entry* e = first; e != first + kWays; ++e) {
        if (e->used && e->key == key) {
            entry = e;
            break;
        }
        // Prefer an empty entry, else the least recently used one.
        if (victim->used && (!e->used || e->last_ns < victim->last_ns)) victim = e;
    }
    if (entry == nullptr) {
        if (victim->used && refilled(*victim, now_ns) < burst_) {
            early_evictions_.fetch_add(1, std::memory_order_relaxed);
        }
        *victim = Entry{key, burst_, now_ns, true};
        entry = victim;
    } else {
        entry->tokens = refilled(*entry, now_ns);
        entry->last_ns = std::max(entry->last_ns, now_ns);
    }

    if (entry->tokens >= 1.0) {
        entry->tokens -= 1.0;
        return {true, 0};
    }
    const double seconds = (1.0 - entry->tokens) / (rate_per_ns_ * kNanosPerSecond);
    const auto wait = static_cast<std::int64_t>(std::min<double>(std::ceil(seconds), kMaxRetryAfter));
    return {false, std::max<std::int64_t>(1, wait)};
}

}  // namespace coupon::http
