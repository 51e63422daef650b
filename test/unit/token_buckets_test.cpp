// The edge limits' bucket table (src/http/token_buckets.cpp): refill arithmetic, burst, Retry-After, the
// fixed capacity and its eviction, and concurrent use. Time is passed in, so nothing here sleeps.
#include <catch2/catch.hpp>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

#include "token_buckets.hpp"

using coupon::http::BucketKey;
using coupon::http::TokenBuckets;
using namespace std::chrono_literals;

namespace {

const TokenBuckets::TimePoint t0 = TokenBuckets::TimePoint{} + 1000s;

int allowed_in_a_row(TokenBuckets& buckets, BucketKey key, TokenBuckets::TimePoint at, int tries = 1000) {
    int allowed = 0;
    for (int i = 0; i < tries && buckets.take(key, at).allowed; ++i) ++allowed;
    return allowed;
}

}  // namespace

TEST_CASE("a new key has a full bucket: burst requests pass, the next is refused", "[unit][limits]") {
    TokenBuckets buckets(2.0, 4, 1000);
    const BucketKey key{0, 42};
    CHECK(allowed_in_a_row(buckets, key, t0) == 4);
    const auto refused = buckets.take(key, t0);
    CHECK_FALSE(refused.allowed);
    CHECK(refused.retry_after_seconds == 1);  // one token at 2/s is 0.5 s away: rounded up to whole seconds
    // Other keys are not affected.
    CHECK(allowed_in_a_row(buckets, BucketKey{0, 43}, t0) == 4);
}

TEST_CASE("tokens come back at the rate, never beyond the burst", "[unit][limits]") {
    TokenBuckets buckets(2.0, 4, 1000);
    const BucketKey key{0, 7};
    REQUIRE(allowed_in_a_row(buckets, key, t0) == 4);
    CHECK(allowed_in_a_row(buckets, key, t0 + 499ms) == 0);
    CHECK(allowed_in_a_row(buckets, key, t0 + 500ms) == 1);
    CHECK(allowed_in_a_row(buckets, key, t0 + 1500ms) == 2);
    // A long pause fills the bucket to its size only.
    CHECK(allowed_in_a_row(buckets, key, t0 + 1h) == 4);
}

TEST_CASE("Retry-After is the whole seconds until the next token, at least 1", "[unit][limits]") {
    TokenBuckets slow(0.25, 1, 1000);  // one token every 4 s
    const BucketKey key{0, 1};
    REQUIRE(slow.take(key, t0).allowed);
    CHECK(slow.take(key, t0).retry_after_seconds == 4);
    CHECK(slow.take(key, t0 + 1s).retry_after_seconds == 3);
    CHECK(slow.take(key, t0 + 3500ms).retry_after_seconds == 1);  // 0.5 s left: still 1
    CHECK(slow.take(key, t0 + 4s).allowed);

    TokenBuckets fast(1000.0, 1, 1000);
    REQUIRE(fast.take(key, t0).allowed);
    const auto refused = fast.take(key, t0);
    CHECK_FALSE(refused.allowed);
    CHECK(refused.retry_after_seconds == 1);  // 1 ms away, never 0

    TokenBuckets glacial(1e-9, 1, 1000);
    REQUIRE(glacial.take(key, t0).allowed);
    CHECK(glacial.take(key, t0).retry_after_seconds == 86'400);  // capped at a day
}

TEST_CASE("a clock reading older than the bucket's last use counts as no time passed", "[unit][limits]") {
    TokenBuckets buckets(1.0, 1, 1000);
    const BucketKey key{0, 9};
    REQUIRE(buckets.take(key, t0 + 10s).allowed);
    CHECK_FALSE(buckets.take(key, t0).allowed);
    CHECK_FALSE(buckets.take(key, t0 + 10s).allowed);  // the late reading did not move time backwards
    CHECK(buckets.take(key, t0 + 11s).allowed);
}

TEST_CASE("the table holds max_keys buckets and forgets the least recently used", "[unit][limits]") {
    TokenBuckets buckets(0.001, 2, TokenBuckets::kWays);  // one set: every key competes for the same 8 entries
    CHECK(buckets.capacity() == TokenBuckets::kWays);
    const auto at = [](int i) { return t0 + std::chrono::milliseconds(i); };
    for (std::uint64_t k = 0; k < TokenBuckets::kWays; ++k) {
        REQUIRE(allowed_in_a_row(buckets, BucketKey{0, k}, at(static_cast<int>(k))) == 2);  // all empty now
    }
    CHECK(buckets.early_evictions() == 0);
    // A ninth key takes the entry of key 0, the least recently used; the other seven keep their empty bucket.
    CHECK(allowed_in_a_row(buckets, BucketKey{0, 100}, at(10)) == 2);
    CHECK(buckets.early_evictions() == 1);  // key 0's bucket was not full again: its state was lost
    for (std::uint64_t k = 1; k < TokenBuckets::kWays; ++k) {
        CHECK_FALSE(buckets.take(BucketKey{0, k}, at(20)).allowed);
    }
    // Key 0 comes back with a full bucket: the documented trade-off of a bounded table.
    CHECK(allowed_in_a_row(buckets, BucketKey{0, 0}, at(30)) == 2);
}

TEST_CASE("the table's size is fixed whatever the number of keys", "[unit][limits]") {
    TokenBuckets buckets(1.0, 1, 100'000);
    const auto capacity = buckets.capacity();
    const auto bytes = buckets.memory_bytes();
    CHECK(capacity == 100'000);
    CHECK(bytes < 100'000 * 48);  // the documented bound: about 40 bytes a key (4 MB for 100,000)
    for (std::uint64_t k = 0; k < 300'000; ++k) buckets.take(BucketKey{k, ~k}, t0);
    CHECK(buckets.capacity() == capacity);
    CHECK(buckets.memory_bytes() == bytes);
    // Drained buckets displaced at the instant they were drained: counted as state lost.
    CHECK(buckets.early_evictions() >= 200'000);
}

TEST_CASE("threads sharing buckets never get more tokens than there are", "[unit][limits]") {
    constexpr int kThreads = 8;
    constexpr int kKeys = 4;
    constexpr std::int64_t kBurst = 5'000;
    TokenBuckets buckets(0.001, kBurst, 1000);
    std::atomic<std::int64_t> allowed[kKeys] = {};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 4'000; ++i) {
                const auto key = static_cast<std::uint64_t>(i % kKeys);
                if (buckets.take(BucketKey{0, key}, t0).allowed) allowed[key].fetch_add(1);
            }
        });
    }
    for (auto& thread : threads) thread.join();
    // 8 x 4,000 / 4 = 8,000 tries per key for 5,000 tokens: exactly the burst passes, none lost or doubled.
    for (const auto& count : allowed) CHECK(count.load() == kBurst);
}

TEST_CASE("a bucket table refuses a rate or burst it cannot use", "[unit][limits]") {
    CHECK_THROWS_AS(TokenBuckets(0.0, 1, 10), std::invalid_argument);
    CHECK_THROWS_AS(TokenBuckets(1.0, 0, 10), std::invalid_argument);
}
