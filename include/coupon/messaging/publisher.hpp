#pragma once
// The node's one producer for everything the consumers and the operator write: results, forwards to the
// retry topics and the DLT, and replays of dead letters (src/messaging/result_publisher.hpp). The requests
// have their own (KafkaRequestSink): they linger to batch a flood, while every record here has someone
// waiting for it and goes out at once. One handle, not one per user: each librdkafka handle costs a thread
// per broker plus its own, on a node that has two cores.
#include <memory>
#include <string>

#include "coupon/messaging/kafka_config.hpp"

namespace coupon::messaging {

class ResultPublisher;

// Started (throws on bad configuration). Shared by the issue consumer group, the DLT consumer and the
// replayer; it flushes (at most 10 s) and stops when its last owner lets go, so it outlives all of them.
std::shared_ptr<ResultPublisher> start_publisher(const KafkaConfig& config);
// Every result record produced from now on carries `identity` (store::Database::identity()), so the other
// nodes' result listeners can tell that it was decided on another database (result_listener.hpp).
void set_database_identity(ResultPublisher& publisher, std::string identity);

}  // namespace coupon::messaging
