#pragma once
// Process-wide counters, gauges and histograms, rendered as Prometheus text by GET /metrics. Look a series
// up once (counter() takes a lock) and keep the reference: incrementing is a relaxed atomic add.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace coupon::base {

// A histogram with fixed buckets (upper bounds, Prometheus `le`) of durations in seconds or of plain counts
// (records per batch). Observing is lock-free: a short scan of the bounds and two relaxed atomic adds.
class Histogram {
public:
    enum class Unit {
        Seconds,  // observe(duration); bounds and _sum in seconds
        Count,    // observe_count(n); bounds and _sum are plain numbers
    };
    // Half a millisecond to ten seconds: an answer from the edge up to a request that went through retries.
    static const std::vector<double>& latency_buckets();
    // 1 to 10,000: records per consumer batch (a batch is capped by max_poll_records).
    static const std::vector<double>& count_buckets();

    explicit Histogram(const std::vector<double>& bounds, Unit unit = Unit::Seconds);
    void observe(std::chrono::nanoseconds duration);
    void observe_count(std::int64_t n);
    // Prometheus text for this series: cumulative _bucket lines, _sum and _count.
    std::string render(const std::string& name, const std::string& labels) const;

private:
    void observe_raw(std::int64_t raw);

    std::vector<double> bounds_;              // in the unit rendered, ascending
    double scale_;                            // raw steps per unit: 1e9 (nanoseconds) or 1
    std::vector<std::int64_t> bounds_raw_;    // the bounds in raw steps, for observe_raw()
    std::unique_ptr<std::atomic<std::int64_t>[]> counts_;  // per bucket, not cumulative; last is +Inf
    std::atomic<std::int64_t> sum_raw_{0};
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
    // A gauge stored in integer steps of 1/`steps_per_unit` and rendered in the unit: a duration kept in
    // microseconds and rendered in seconds (steps_per_unit 1e6). One scale per family (the first call's).
    Value& scaled_gauge(const std::string& name, const std::string& help, const std::string& labels,
                        double steps_per_unit);
    Histogram& histogram(const std::string& name, const std::string& help, const std::string& labels = "",
                         const std::vector<double>& bounds = Histogram::latency_buckets(),
                         Histogram::Unit unit = Histogram::Unit::Seconds);
    std::string render() const;

    // Runs the on_render functions: render() does it itself; a reader of samples() calls it once first.
    void refresh() const;
    // The counter or gauge series of one family as render() would show them (absent gauges left out; the
    // refreshers do not run: call refresh() once before reading several families): for pages that show a few
    // figures without parsing our own text.
    struct Sample {
        std::string labels;  // e.g. policy="1",outcome="ISSUED"
        double value = 0;
    };
    std::vector<Sample> samples(const std::string& name) const;

    // Runs `refresh` at the start of every render(): for a gauge whose value is cheapest to compute when
    // scraped (readiness). It runs on the scraping thread, so it must not block. Unregistered when the
    // returned handle is destroyed (before whatever the function refers to).
    using RefreshHandle = std::shared_ptr<void>;
    [[nodiscard]] RefreshHandle on_render(std::function<void()> refresh);

private:
    struct Family {
        std::string help;
        std::string type;
        double steps_per_unit = 1;  // gauges: rendered as value / steps_per_unit
        std::map<std::string, std::unique_ptr<Value>> series;
        std::map<std::string, std::unique_ptr<Histogram>> histograms;
    };
    Value& series(const std::string& name, const std::string& help, const std::string& type,
                  const std::string& labels);

    mutable std::mutex mutex_;
    std::map<std::string, Family> families_;
    mutable std::mutex refresh_mutex_;  // taken before mutex_, never inside it
    std::map<std::uint64_t, std::function<void()>> refreshers_;
    std::uint64_t next_refresher_ = 0;
};

}  // namespace coupon::base
