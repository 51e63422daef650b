#pragma once
// One coupon-server node: every long-lived part, started in dependency order and stopped in reverse.
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>

#include "coupon/app/config.hpp"
#include "coupon/base/metrics.hpp"
#include "coupon/domain/clock.hpp"
#include "coupon/http/api.hpp"
#include "coupon/http/http_server.hpp"
#include "coupon/http/outcome_board.hpp"
#include "coupon/messaging/backlog_guard.hpp"
#include "coupon/messaging/dead_letter_consumer.hpp"
#include "coupon/messaging/guarded_request_sink.hpp"
#include "coupon/messaging/embedded_broker.hpp"
#include "coupon/messaging/issue_consumer_group.hpp"
#include "coupon/messaging/issue_topic_reader.hpp"
#include "coupon/messaging/kafka_replayer.hpp"
#include "coupon/messaging/kafka_request_sink.hpp"
#include "coupon/messaging/result_listener.hpp"
#include "coupon/store/database.hpp"
#include "database_gate.hpp"
#include "database_waiter.hpp"

namespace coupon::app {

class Node {
public:
    explicit Node(Config config);
    ~Node();

    // Starts everything; throws with a clear message when a part cannot start (start-up is where we fail fast).
    // A PostgreSQL server that cannot be reached is not such a part: the node starts without it (HTTP,
    // producer, result listener), answers /ready and database-backed routes 503, keeps trying in the
    // background, and starts its consumers once the database answers (README, "Starting without the database").
    void start();
    // Refuse new requests (503), drain the embedded broker's backlog (own broker only: it is memory only)
    // within server.shutdown_timeout_ms, then finish in-flight requests and batches, commit, flush, and
    // release the broker.
    void stop();
    // How long one database wait of a consumer may legitimately block (lock wait + statement + connect
    // timeouts): the watchdog allows a loop in a database wait that much on top (app/liveness.hpp). A database
    // or broker outage is readiness (/ready), never liveness: a watchdog that waited on the database would have
    // systemd restart every node into the same outage.
    std::chrono::milliseconds database_wait_bound() const;
    // start() returned without the database (it is being awaited in the background).
    bool waiting_for_database() const { return !consumers_started_.load(); }

private:
    http::ReadyReport ready_report() const;
    // coupon_ready at scrape time: ready_report() without its database ping (the scrape runs on an I/O
    // thread and must not wait on the database); the database part is the last /ready probe's ping.
    bool ready_without_ping() const;
    void wait_for_assignment();
    bool assigned() const;  // every consumer group gave this node its partitions
    // Stop accepting; with the node's own embedded broker, wait (until `deadline`) for the consumers to
    // take every accepted record off the issue, retry and dead-letter topics, and log what is left.
    void drain(std::chrono::steady_clock::time_point deadline);
    domain::RequestSink& front_sink();
    // The database is open: route the HTTP side to it, learn the sold-out policies, start the consumers.
    // On the caller's thread at start-up, or on the waiter's thread later.
    void database_opened(std::unique_ptr<store::Database> database);
    void start_consumers();
    // A result decided on another database reached this node (result_listener.hpp): nodes on one Kafka cluster
    // that do not share their database each issue the whole stock. Refuse new requests, stop deciding, and
    // stay up not ready so an operator sees why (docs/operations.md, "Nodes on different databases").
    // On the result listener's thread.
    void refuse_split_brain(const std::string& own, const std::string& other);

    Config config_;
    domain::SystemClock clock_;
    std::unique_ptr<messaging::EmbeddedBroker> broker_;
    std::unique_ptr<store::Database> database_;  // set once; by the waiter's thread when it came late
    std::unique_ptr<DatabaseGate> gate_;           // what the HTTP routes use
    std::unique_ptr<DatabaseWaiter> waiter_;
    std::mutex database_mutex_;                    // database_opened() vs stop()
    std::atomic<bool> consumers_started_{false};   // consumers_ and dead_letters_ are set and running
    // Held while the consumers stop on a split brain: assigned() (readiness, on HTTP threads) does not wait
    // for it, it answers "not assigned" meanwhile.
    mutable std::mutex consumers_mutex_;
    std::atomic<bool> split_brain_{false};
    mutable std::mutex split_brain_mutex_;
    std::string split_brain_reason_;  // what /ready says, under split_brain_mutex_
    messaging::KafkaConfig kafka_;                 // as the parts were started with (embedded address filled in)
    std::unique_ptr<http::OutcomeBoard> board_;
    std::unique_ptr<messaging::ResultListener> listener_;
    std::unique_ptr<messaging::BacklogGuard> guard_;  // embedded broker only; outlives its users below
    std::unique_ptr<messaging::KafkaRequestSink> sink_;
    std::unique_ptr<messaging::GuardedRequestSink> guarded_sink_;  // embedded broker only: in front of sink_
    std::unique_ptr<messaging::IssueConsumerGroup> consumers_;
    std::unique_ptr<messaging::DeadLetterConsumer> dead_letters_;
    std::shared_ptr<messaging::ResultPublisher> publisher_;  // results, forwards, replays: shared with the three
    std::unique_ptr<messaging::KafkaReplayer> replayer_;
    std::unique_ptr<messaging::IssueTopicReader> stored_requests_;  // GET of a request this node does not remember
    std::unique_ptr<http::HttpServer> server_;
    bool serving_ = false;                 // start() finished: stop() drains
    std::atomic<bool> stopping_{false};    // stop() began: /ready answers 503 while the node drains
    mutable std::atomic<bool> last_ping_ok_{true};  // the last /ready probe's database ping
    base::Metrics::Value& ready_gauge_ = base::Metrics::global().gauge(
        "coupon_ready", "1 when this node answers GET /ready with 200 (database as of the last /ready probe)");
    // Requests waiting here for their outcome: back to 0 when the node is idle (the soak test checks it).
    base::Metrics::Value& waiters_gauge_ = base::Metrics::global().gauge(
        "coupon_http_outcome_waiters", "HTTP requests on this node waiting for their outcome from the result topic");
    base::Metrics::RefreshHandle ready_refresh_;  // last member: unregistered before the rest goes
};

}  // namespace coupon::app
