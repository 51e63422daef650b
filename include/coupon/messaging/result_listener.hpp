#pragma once
// Every node reads every partition of the result topic (manual assignment, no group) and hands each
// outcome to `on_result`, e.g. to wake the HTTP request waiting for it and to learn "sold out".
#include <functional>
#include <memory>
#include <string>

#include "coupon/domain/types.hpp"
#include "coupon/messaging/kafka_config.hpp"

namespace coupon::messaging {

class ResultListener {
public:
    using OnResult = std::function<void(const domain::IssueResult&)>;
    // A result decided on another database than this node's: (this node's identity, the other's).
    using OnForeignDatabase = std::function<void(const std::string& own, const std::string& other)>;

    ResultListener(KafkaConfig config, OnResult on_result);
    ~ResultListener();  // stop()
    ResultListener(const ResultListener&) = delete;
    ResultListener& operator=(const ResultListener&) = delete;

    // Reads each partition's high watermark and assigns from there, so every result produced after start()
    // returns is seen. Throws std::runtime_error when the broker cannot be reached.
    void start();
    void stop();
    // From now on, compares the database identity on each result (the coupon_database-id header) with `own`
    // and calls on_foreign, on the listener's thread, for each result that names another one: nodes on one
    // Kafka cluster with different databases (each would issue the whole stock). Results without the header
    // (Spring producers, older nodes) are not compared. Counted in coupon_kafka_foreign_database_results_total.
    void watch_database_identity(std::string own, OnForeignDatabase on_foreign);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace coupon::messaging
