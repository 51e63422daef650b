#include "edge_limits.hpp"

#include <cstring>
#include <string>

#include "coupon/base/log.hpp"

namespace coupon::http {
namespace {

constexpr const char* kHelp = "POST /api/coupons requests answered 429 by an edge limit (docs/edge-limits.md)";

base::Metrics::Value& refused_counter(const char* limit) {
    return base::Metrics::global().counter("coupon_http_rate_limited_total", kHelp,
                                             std::string("limit=\"") + limit + "\"");
}

std::unique_ptr<TokenBuckets> buckets_of(const EdgeLimitsConfig::Bucket& bucket, std::size_t max_keys) {
    if (!bucket.on()) return nullptr;
    return std::make_unique<TokenBuckets>(bucket.rate, bucket.burst, max_keys);
}

BucketKey key_of(const ClientAddress& peer) {
    BucketKey key;
    std::memcpy(&key.high, peer.bytes.data(), 8);
    std::memcpy(&key.low, peer.bytes.data() + 8, 8);
    return key;
}

}  // namespace

std::shared_ptr<EdgeLimits> EdgeLimits::make(const EdgeLimitsConfig& config) {
    refused_counter("user");
    refused_counter("address");
    if (!config.per_user.on() && !config.per_address.on()) return nullptr;
    return std::make_shared<EdgeLimits>(config);
}

EdgeLimits::EdgeLimits(const EdgeLimitsConfig& config)
    : user_{buckets_of(config.per_user, config.max_keys), refused_counter("user")},
      address_{buckets_of(config.per_address, config.max_keys), refused_counter("address")} {
    const auto announce = [](const EdgeLimitsConfig::Bucket& b, const Limit& limit, const char* name) {
        if (!limit.buckets) return;
        log::info("http", "edge limit per {}: {}/s, burst {}; {} buckets kept in {} KiB", name, b.rate, b.burst,
                  limit.buckets->capacity(), limit.buckets->memory_bytes() / 1024);
    };
    announce(config.per_user, user_, "user");
    announce(config.per_address, address_, "address");
}

Response EdgeLimits::too_many(std::int64_t retry_after, const char* what) {
    auto answer = error_response(429, "TOO_MANY_REQUESTS",
                                 std::string("too many requests from this ") + what + ", retry after " +
                                     std::to_string(retry_after) + " s");
    answer.headers.set("Retry-After", std::to_string(retry_after));
    return answer;
}

std::optional<Response> EdgeLimits::admit_address(const ClientAddress& peer) {
    if (!address_.buckets) return std::nullopt;
    const auto decision = address_.buckets->take(key_of(peer), std::chrono::steady_clock::now());
    if (decision.allowed) return std::nullopt;
    address_.refused.fetch_add(1, std::memory_order_relaxed);
    std::uint64_t suppressed = 0;
    if (address_.log.allow(suppressed)) {
        log::warn("http", "edge limit: address {} refused (429, retry after {} s); {} refusals since the previous "
                  "line left out", peer.text(), decision.retry_after_seconds, suppressed);
    }
    return too_many(decision.retry_after_seconds, "address");
}

std::optional<Response> EdgeLimits::admit_user(std::int64_t user) {
    if (!user_.buckets) return std::nullopt;
    const BucketKey key{0, static_cast<std::uint64_t>(user)};
    const auto decision = user_.buckets->take(key, std::chrono::steady_clock::now());
    if (decision.allowed) return std::nullopt;
    user_.refused.fetch_add(1, std::memory_order_relaxed);
    std::uint64_t suppressed = 0;
    if (user_.log.allow(suppressed)) {
        log::warn("http", {.user_id = std::to_string(user)}, "edge limit: user refused (429, retry after {} s); {} refusals since the "
                  "previous line left out", decision.retry_after_seconds, suppressed);
    }
    return too_many(decision.retry_after_seconds, "user");
}

}  // namespace coupon::http
