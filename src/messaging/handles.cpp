#include "coupon/messaging/handles.hpp"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

namespace coupon::messaging {

void KafkaDeleter::operator()(rd_kafka_t* rk) const noexcept { rd_kafka_destroy(rk); }
void QueueDeleter::operator()(rd_kafka_queue_t* q) const noexcept { rd_kafka_queue_destroy(q); }
void MockClusterDeleter::operator()(rd_kafka_mock_cluster_t* mc) const noexcept { rd_kafka_mock_cluster_destroy(mc); }

}  // namespace coupon::messaging
