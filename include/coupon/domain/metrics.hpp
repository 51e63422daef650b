#pragma once
// Process-wide counters and gauges, rendered as Prometheus text by GET /metrics. Look a counter up once
// (counter() takes a lock) and keep the reference: incrementing is a relaxed atomic add.
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace coupon::domain {

class Metrics {
public:
    using Value = std::atomic<std::int64_t>;
    // A gauge holding this is not rendered: a thing this node no longer has (a partition that moved away).
    static constexpr std::int64_t kAbsent = INT64_MIN;

    static Metrics& global();

    // name: e.g. "coupon_http_requests_total"; labels: e.g. R"(status="200")" or "".
    Value& counter(const std::string& name, const std::string& help, const std::string& labels = "");
    Value& gauge(const std::string& name, const std::string& help, const std::string& labels = "");
    std::string render() const;

private:
    struct Family {
        std::string help;
        std::string type;
        std::map<std::string, std::unique_ptr<Value>> series;
    };
    Value& series(const std::string& name, const std::string& help, const std::string& type,
                  const std::string& labels);

    mutable std::mutex mutex_;
    std::map<std::string, Family> families_;
};

}  // namespace coupon::domain
