#include "coupon/base/metrics.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace coupon::base {

const std::vector<double>& Histogram::latency_buckets() {
    static const std::vector<double> bounds{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                            0.1,    0.25,  0.5,    1,     2.5,  5,     10};
    return bounds;
}

Histogram::Histogram(const std::vector<double>& bounds_seconds)
    : bounds_(bounds_seconds), counts_(std::make_unique<std::atomic<std::int64_t>[]>(bounds_seconds.size() + 1)) {
    bounds_ns_.reserve(bounds_.size());
    for (double b : bounds_) bounds_ns_.push_back(static_cast<std::int64_t>(b * 1e9));
    for (std::size_t i = 0; i <= bounds_.size(); ++i) counts_[i].store(0, std::memory_order_relaxed);
}

void Histogram::observe(std::chrono::nanoseconds duration) {
    const std::int64_t ns = std::max<std::int64_t>(0, duration.count());
    std::size_t i = 0;
    while (i < bounds_ns_.size() && ns > bounds_ns_[i]) ++i;
    counts_[i].fetch_add(1, std::memory_order_relaxed);
    sum_ns_.fetch_add(ns, std::memory_order_relaxed);
}

std::string Histogram::render(const std::string& name, const std::string& labels) const {
    const std::string prefix = labels.empty() ? std::string() : labels + ",";
    std::string out;
    std::int64_t cumulative = 0;
    for (std::size_t i = 0; i <= bounds_.size(); ++i) {
        cumulative += counts_[i].load(std::memory_order_relaxed);
        const std::string le = i < bounds_.size() ? fmt::format("{}", bounds_[i]) : "+Inf";
        out += fmt::format("{}_bucket{{{}le=\"{}\"}} {}\n", name, prefix, le, cumulative);
    }
    // _count is the +Inf bucket (as Prometheus requires); _sum is read after, so it may include an observation
    // or two that the buckets do not yet.
    const std::string braces = labels.empty() ? std::string() : "{" + labels + "}";
    out += fmt::format("{}_sum{} {}\n", name, braces, static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9);
    out += fmt::format("{}_count{} {}\n", name, braces, cumulative);
    return out;
}

Metrics& Metrics::global() {
    static Metrics instance;
    return instance;
}

Metrics::Value& Metrics::counter(const std::string& name, const std::string& help, const std::string& labels) {
    return series(name, help, "counter", labels);
}

Metrics::Value& Metrics::gauge(const std::string& name, const std::string& help, const std::string& labels) {
    return series(name, help, "gauge", labels);
}

Metrics::Value& Metrics::series(const std::string& name, const std::string& help, const std::string& type,
                                const std::string& labels) {
    std::lock_guard lock(mutex_);
    Family& family = families_[name];
    if (family.type.empty()) {
        family.help = help;
        family.type = type;
    }
    auto& slot = family.series[labels];
    if (!slot) slot = std::make_unique<Value>(0);
    return *slot;
}

Histogram& Metrics::histogram(const std::string& name, const std::string& help, const std::string& labels,
                              const std::vector<double>& bounds_seconds) {
    std::lock_guard lock(mutex_);
    Family& family = families_[name];
    if (family.type.empty()) {
        family.help = help;
        family.type = "histogram";
    }
    auto& slot = family.histograms[labels];
    if (!slot) slot = std::make_unique<Histogram>(bounds_seconds);
    return *slot;
}

std::string Metrics::render() const {
    std::lock_guard lock(mutex_);
    std::string out;
    for (const auto& [name, family] : families_) {
        out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, family.help, name, family.type);
        for (const auto& [labels, histogram] : family.histograms) out += histogram->render(name, labels);
        for (const auto& [labels, value] : family.series) {
            const std::int64_t v = value->load(std::memory_order_relaxed);
            if (v == kAbsent && family.type == "gauge") continue;
            if (labels.empty()) {
                out += fmt::format("{} {}\n", name, v);
            } else {
                out += fmt::format("{}{{{}}} {}\n", name, labels, v);
            }
        }
    }
    return out;
}

}  // namespace coupon::base
