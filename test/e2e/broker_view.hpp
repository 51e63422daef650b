#pragma once
// What an e2e test sees of a server's embedded broker from outside (its address from
// kafka.embedded.bootstrap_file): per partition the log start, the high watermark and the committed offset
// of the topic's consumer group. librdkafka directly, independent of the server's own code.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace coupon::test {

struct PartitionView {
    std::int64_t low = 0;        // log start: above 0 means the broker dropped records
    std::int64_t high = 0;
    std::int64_t committed = 0;  // 0 when the group committed nothing yet
};

class BrokerView {
public:
    // groups: topic -> the consumer group that consumes it.
    BrokerView(const std::string& bootstrap, std::map<std::string, std::string> groups);
    ~BrokerView();
    BrokerView(const BrokerView&) = delete;
    BrokerView& operator=(const BrokerView&) = delete;

    // Watermarks first, committed offsets second: high - committed then never exceeds the true backlog.
    std::vector<PartitionView> read(const std::string& topic, int partitions);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace coupon::test
