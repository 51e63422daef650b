#pragma once
// Every node reads every partition of the result topic (manual assignment, no group) and hands each
// outcome to `on_result`, e.g. to wake the HTTP request waiting for it and to learn "sold out".
#include <functional>
#include <memory>

#include "coupon/domain/types.hpp"
#include "coupon/messaging/kafka_config.hpp"

namespace coupon::messaging {

class ResultListener {
public:
    using OnResult = std::function<void(const domain::IssueResult&)>;

    ResultListener(KafkaConfig config, OnResult on_result);
    ~ResultListener();  // stop()
    ResultListener(const ResultListener&) = delete;
    ResultListener& operator=(const ResultListener&) = delete;

    // Reads each partition's high watermark and assigns from there, so every result produced after start()
    // returns is seen. Throws std::runtime_error when the broker cannot be reached.
    void start();
    void stop();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace coupon::messaging
