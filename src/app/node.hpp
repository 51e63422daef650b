#pragma once
// One coupon-server node: every long-lived part, started in dependency order and stopped in reverse.
#include <atomic>
#include <chrono>
#include <memory>

#include "coupon/app/config.hpp"
#include "coupon/domain/clock.hpp"
#include "coupon/http/api.hpp"
#include "coupon/http/http_server.hpp"
#include "coupon/http/outcome_board.hpp"
#include "coupon/messaging/backlog_guard.hpp"
#include "coupon/messaging/dead_letter_consumer.hpp"
#include "coupon/messaging/guarded_request_sink.hpp"
#include "coupon/messaging/embedded_broker.hpp"
#include "coupon/messaging/issue_consumer_group.hpp"
#include "coupon/messaging/kafka_replayer.hpp"
#include "coupon/messaging/kafka_request_sink.hpp"
#include "coupon/messaging/result_listener.hpp"
#include "coupon/store/database.hpp"

namespace coupon::app {

class Node {
public:
    explicit Node(Config config);
    ~Node();

    // Starts everything; throws with a clear message when a part cannot start (start-up is where we fail fast).
    void start();
    // Refuse new requests (503), drain the embedded broker's backlog (own broker only: it is memory only)
    // within server.shutdown_timeout_ms, then finish in-flight requests and batches, commit, flush, and
    // release the broker.
    void stop();
    // Liveness for the systemd watchdog: the database answers.
    bool healthy() const;

private:
    http::ReadyReport ready_report() const;
    void wait_for_assignment();
    bool assigned() const;  // every consumer group gave this node its partitions
    // Stop accepting; with the node's own embedded broker, wait (until `deadline`) for the consumers to
    // take every accepted record off the issue, retry and dead-letter topics, and log what is left.
    void drain(std::chrono::steady_clock::time_point deadline);
    domain::RequestSink& front_sink();

    Config config_;
    domain::SystemClock clock_;
    std::unique_ptr<messaging::EmbeddedBroker> broker_;
    std::unique_ptr<store::Database> database_;
    std::unique_ptr<http::OutcomeBoard> board_;
    std::unique_ptr<messaging::ResultListener> listener_;
    std::unique_ptr<messaging::BacklogGuard> guard_;  // embedded broker only; outlives its users below
    std::unique_ptr<messaging::KafkaRequestSink> sink_;
    std::unique_ptr<messaging::GuardedRequestSink> guarded_sink_;  // embedded broker only: in front of sink_
    std::unique_ptr<messaging::IssueConsumerGroup> consumers_;
    std::unique_ptr<messaging::DeadLetterConsumer> dead_letters_;
    std::unique_ptr<messaging::KafkaReplayer> replayer_;
    std::unique_ptr<http::HttpServer> server_;
    bool serving_ = false;                 // start() finished: stop() drains
    std::atomic<bool> stopping_{false};    // stop() began: /ready answers 503 while the node drains
};

}  // namespace coupon::app
