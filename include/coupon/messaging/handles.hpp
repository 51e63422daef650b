#pragma once
// Owning handles for librdkafka objects, without including rdkafka.h (STYLE item 2): the C types are
// forward-declared here and destroyed by the library's own functions in src/messaging/handles.cpp.
#include <memory>

extern "C" {
struct rd_kafka_s;
struct rd_kafka_queue_s;
struct rd_kafka_mock_cluster_s;
}

namespace coupon::messaging {

struct KafkaDeleter {
    void operator()(rd_kafka_s* rk) const noexcept;  // rd_kafka_destroy (closes a consumer first)
};
struct QueueDeleter {
    void operator()(rd_kafka_queue_s* q) const noexcept;  // rd_kafka_queue_destroy
};
struct MockClusterDeleter {
    void operator()(rd_kafka_mock_cluster_s* mc) const noexcept;  // rd_kafka_mock_cluster_destroy
};

using KafkaHandle = std::unique_ptr<rd_kafka_s, KafkaDeleter>;
using QueueHandle = std::unique_ptr<rd_kafka_queue_s, QueueDeleter>;
using MockClusterHandle = std::unique_ptr<rd_kafka_mock_cluster_s, MockClusterDeleter>;

}  // namespace coupon::messaging
