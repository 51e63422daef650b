#include "coupon/base/metrics.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace coupon::base {

const std::vector<double>& Histogram::latency_buckets() {
    static const std::vector<double> bounds{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                            0.1,    0.25,  0.5,    1,     2.5,  5,     10};
    return bounds;
}

const std::vector<double>& Histogram::count_buckets() {
    static const std::vector<double> bounds{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000};
    return bounds;
}

Histogram::Histogram(const std::vector<double>& bounds, Unit unit)
    : bounds_(bounds),
      scale_(unit == Unit::Seconds ? 1e9 : 1),
      counts_(std::make_unique<std::atomic<std::int64_t>[]>(bounds.size() + 1)) {
    bounds_raw_.reserve(bounds_.size());
    for (double b : bounds_) bounds_raw_.push_back(static_cast<std::int64_t>(b * scale_));
    for (std::size_t i = 0; i <= bounds_.size(); ++i) counts_[i].store(0, std::memory_order_relaxed);
}

void Histogram::observe(std::chrono::nanoseconds duration) { observe_raw(duration.count()); }

void Histogram::observe_count(std::int64_t n) { observe_raw(n); }

void Histogram::observe_raw(std::int64_t raw) {
    const std::int64_t value = std::max<std::int64_t>(0, raw);
    std::size_t i = 0;
    while (i < bounds_raw_.size() && value > bounds_raw_[i]) ++i;
    counts_[i].fetch_add(1, std::memory_order_relaxed);
    sum_raw_.fetch_add(value, std::memory_order_relaxed);
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
    out += fmt::format("{}_sum{} {}\n", name, braces, static_cast<double>(sum_raw_.load(std::memory_order_relaxed)) / scale_);
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

Metrics::Value& Metrics::scaled_gauge(const std::string& name, const std::string& help, const std::string& labels,
                                      double steps_per_unit) {
    Value& value = series(name, help, "gauge", labels);
    std::lock_guard lock(mutex_);
    Family& family = families_[name];
    if (family.steps_per_unit == 1 && steps_per_unit > 0) family.steps_per_unit = steps_per_unit;
    return value;
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
                              const std::vector<double>& bounds, Histogram::Unit unit) {
    std::lock_guard lock(mutex_);
    Family& family = families_[name];
    if (family.type.empty()) {
        family.help = help;
        family.type = "histogram";
    }
    auto& slot = family.histograms[labels];
    if (!slot) slot = std::make_unique<Histogram>(bounds, unit);
    return *slot;
}

Metrics::RefreshHandle Metrics::on_render(std::function<void()> refresh) {
    std::uint64_t id = 0;
    {
        std::lock_guard lock(refresh_mutex_);
        id = next_refresher_++;
        refreshers_.emplace(id, std::move(refresh));
    }
    return RefreshHandle(static_cast<void*>(this), [id](void* self) {
        auto* metrics = static_cast<Metrics*>(self);
        std::lock_guard lock(metrics->refresh_mutex_);
        metrics->refreshers_.erase(id);
    });
}

void Metrics::refresh() const {
    // Held while refreshing, so a handle destroyed meanwhile waits until its function has returned.
    std::lock_guard refreshing(refresh_mutex_);
    for (const auto& [id, refresh] : refreshers_) {
        try {
            refresh();
        } catch (const std::exception&) {
            // A gauge left as it was is better than no metrics at all.
        }
    }
}

std::vector<Metrics::Sample> Metrics::samples(const std::string& name) const {
    std::lock_guard lock(mutex_);
    std::vector<Sample> out;
    const auto family = families_.find(name);
    if (family == families_.end()) return out;
    for (const auto& [labels, value] : family->second.series) {
        const std::int64_t v = value->load(std::memory_order_relaxed);
        if (v == kAbsent && family->second.type == "gauge") continue;
        out.push_back(Sample{labels, static_cast<double>(v) / family->second.steps_per_unit});
    }
    return out;
}

std::string Metrics::render() const {
    refresh();
    std::lock_guard lock(mutex_);
    std::string out;
    for (const auto& [name, family] : families_) {
        out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, family.help, name, family.type);
        for (const auto& [labels, histogram] : family.histograms) out += histogram->render(name, labels);
        for (const auto& [labels, value] : family.series) {
            const std::int64_t v = value->load(std::memory_order_relaxed);
            if (v == kAbsent && family.type == "gauge") continue;
            const std::string braces = labels.empty() ? std::string() : "{" + labels + "}";
            if (family.steps_per_unit != 1) {
                out += fmt::format("{}{} {}\n", name, braces, static_cast<double>(v) / family.steps_per_unit);
            } else {
                out += fmt::format("{}{} {}\n", name, braces, v);
            }
        }
    }
    return out;
}

}  // namespace coupon::base
