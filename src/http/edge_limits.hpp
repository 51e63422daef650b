#pragma once
// The per-address and per-user limits of POST /api/coupons/{userId} (docs/edge-limits.md): a token bucket
// table per limit, a 429 TOO_MANY_REQUESTS answer with Retry-After beyond it, a counter per limit and a
// log budget. Answers without touching Kafka.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>

#include "coupon/base/metrics.hpp"
#include "coupon/http/http_config.hpp"
#include "coupon/http/message.hpp"
#include "log_throttle.hpp"
#include "token_buckets.hpp"

namespace coupon::http {

class EdgeLimits {
public:
    // Null when both limits are off: the request path then pays one pointer test and no lookup. Registers
    // the coupon_http_rate_limited_total series either way, so dashboards see a 0. Throws
    // std::invalid_argument for a limit with a rate but no burst.
    static std::shared_ptr<EdgeLimits> make(const EdgeLimitsConfig& config);

    // The 429 answer when `peer` is over its limit, else nullopt (a token taken).
    std::optional<Response> admit_address(const ClientAddress& peer);
    std::optional<Response> admit_user(std::int64_t user);

    explicit EdgeLimits(const EdgeLimitsConfig& config);

private:
    struct Limit {
        std::unique_ptr<TokenBuckets> buckets;  // null: off
        base::Metrics::Value& refused;
        LogThrottle log{std::chrono::seconds(10)};
    };
    static Response too_many(std::int64_t retry_after, const char* what);

    Limit user_;
    Limit address_;
};

}  // namespace coupon::http
