#pragma once
// Process-wide counters, gauges and histograms, rendered as Prometheus text by GET /metrics. Look a series
// up once (counter() takes a lock) and keep the reference: incrementing is a relaxed atomic add.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace coupon::base {

// A latency histogram with fixed buckets (upper bounds in seconds, Prometheus `le`). observe() is lock-free:
// a short scan of the bounds and two relaxed atomic adds.
class Histogram {
public:
    // Half a millisecond to ten seconds: an answer from the edge up to a request that went through retries.
    static const std::vector<double>& latency_buckets();

    explicit Histogram(const std::vector<double>& bounds_seconds);
    void observe(std::chrono::nanoseconds duration);
    // Prometheus text for this series: cumulative _bucket lines, _sum (seconds) and _count.
    std::string render(const std::string& name, const std::string& labels) const;

private:
    std::vector<double> bounds_;              // seconds, ascending
    std::vector<std::int64_t> bounds_ns_;     // the same in nanoseconds, for observe()
    std::unique_ptr<std::atomic<std::int64_t>[]> counts_;  // per bucket, not cumulative; last is +Inf
    std::atomic<std::int64_t> sum_ns_{0};
};

class Metrics {
public:
    using Value = std::atomic<std::int64_t>;
    // A gauge holding this is not rendered: a thing this node no longer has (a partition that moved away).
    static constexpr std::int64_t kAbsent = INT64_MIN;

    static Metrics& global();

    // name: e.g. "coupon_http_requests_total"; labels: e.g. R"(status="200")" or "".
    Value& counter(const std::string& name, const std::string& help, const std::string& labels = "");
    Value& gauge(const std::string& name, const std::string& help, const std::string& labels = "");
    Histogram& histogram(const std::string& name, const std::string& help, const std::string& labels = "",
                         const std::vector<double>& bounds_seconds = Histogram::latency_buckets());
    std::string render() const;

private:
    struct Family {
        std::string help;
        std::string type;
        std::map<std::string, std::unique_ptr<Value>> series;
        std::map<std::string, std::unique_ptr<Histogram>> histograms;
    };
    Value& series(const std::string& name, const std::string& help, const std::string& type,
                  const std::string& labels);

    mutable std::mutex mutex_;
    std::map<std::string, Family> families_;
};

}  // namespace coupon::base
