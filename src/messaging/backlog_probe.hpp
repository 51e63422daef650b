#pragma once
// The backlog guard's view of the broker: for each guarded topic, its group's committed offsets (Admin API
// ListConsumerGroupOffsets with explicit partitions: one request per group, all in flight at once, on ONE
// client; the 2.0.2 mock answers it, though not without a partition list) and each partition's watermarks.
// One handle serves every group, so guarding more topics costs no client and no thread.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "client_config.hpp"

namespace coupon::messaging {

class BacklogProbe {
public:
    struct Request {
        std::string topic;
        std::string group;
        std::int32_t partitions = 0;
    };
    struct Reading {
        std::string error;               // empty when both committed offsets and watermarks were read
        std::vector<std::int64_t> high;  // per partition: high watermark
        std::vector<std::int64_t> done;  // per partition: committed offset, at least the log start
    };

    explicit BacklogProbe(const KafkaConfig& config) : config_(config) {}
    void start();  // throws when the client cannot be made
    void stop() { client_.reset(); }
    bool started() const { return client_ != nullptr; }

    // The topic's partition count from the broker's metadata, or `fallback` (logged) when unknown.
    std::int32_t partition_count(const std::string& topic, std::int32_t fallback);
    // readings[i] answers requests[i]. Committed offsets are read before the watermarks.
    std::vector<Reading> read(const std::vector<Request>& requests);
    // Committed offsets only (Reading::high stays 0; a partition without a commit reads 0).
    std::vector<Reading> read_committed(const std::vector<Request>& requests);

private:
    std::vector<Reading> empty_readings(const std::vector<Request>& requests) const;
    void read_committed(const std::vector<Request>& requests, std::vector<Reading>& out);
    void read_watermarks(const std::vector<Request>& requests, std::vector<Reading>& out);

    const KafkaConfig& config_;
    KafkaHandle client_;
};

}  // namespace coupon::messaging
