#include "coupon/domain/metrics.hpp"

#include <fmt/format.h>

namespace coupon::domain {

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

std::string Metrics::render() const {
    std::lock_guard lock(mutex_);
    std::string out;
    for (const auto& [name, family] : families_) {
        out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, family.help, name, family.type);
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

}  // namespace coupon::domain
