#include "response_log.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <string>

#include "coupon/base/log.hpp"
#include "coupon/base/metrics.hpp"

namespace coupon::http {
namespace {

constexpr int kMaxStatus = 600;

base::Metrics::Value& counter_for(int status) {
    // Metrics::counter() takes a lock; the counters are looked up once per status and cached.
    static std::array<std::atomic<base::Metrics::Value*>, kMaxStatus> cache{};
    const int index = status > 0 && status < kMaxStatus ? status : 0;
    auto* value = cache[static_cast<std::size_t>(index)].load(std::memory_order_acquire);
    if (value == nullptr) {
        value = &base::Metrics::global().counter("coupon_http_responses_total", "HTTP responses by status",
                                                   "status=\"" + std::to_string(status) + "\"");
        cache[static_cast<std::size_t>(index)].store(value, std::memory_order_release);
    }
    return *value;
}

// Up to kBurst warnings per second; the rest are only counted and reported with the next allowed line.
class WarnBudget {
public:
    // Returns how many were suppressed since the last allowed line, or -1 when this one is suppressed.
    long take() {
        const auto second = std::chrono::duration_cast<std::chrono::seconds>(
                                std::chrono::steady_clock::now().time_since_epoch())
                                .count();
        auto current = second_.load(std::memory_order_relaxed);
        if (current != second && second_.compare_exchange_strong(current, second)) used_.store(0);
        if (used_.fetch_add(1) < kBurst) return suppressed_.exchange(0);
        suppressed_.fetch_add(1);
        return -1;
    }

private:
    static constexpr long kBurst = 5;
    std::atomic<long long> second_{0};
    std::atomic<long> used_{0};
    std::atomic<long> suppressed_{0};
};

}  // namespace

void account_response(std::string_view method, std::string_view target, int status, std::string_view code) {
    counter_for(status).fetch_add(1, std::memory_order_relaxed);
    if (status < 400) return;
    if (status < 500) {
        log::debug("http", "{} {} -> {} {}", method, target.substr(0, 200), status, code);
        return;
    }
    static WarnBudget budget;
    const long suppressed = budget.take();
    if (suppressed < 0) return;
    if (suppressed > 0) {
        log::warn("http", "{} {} -> {} {} ({} similar lines suppressed)", method, target.substr(0, 200), status,
                  code, suppressed);
    } else {
        log::warn("http", "{} {} -> {} {}", method, target.substr(0, 200), status, code);
    }
}

}  // namespace coupon::http
