#include "node.hpp"

#include <chrono>
#include <thread>

#include "commands.hpp"
#include "coupon/domain/log.hpp"
#include "module_configs.hpp"

namespace coupon::app {

Node::Node(Config config) : config_(std::move(config)) {}

Node::~Node() { stop(); }

void Node::start() {
    messaging::KafkaConfig kafka = kafka_config_of(config_);
    if (kafka.bootstrap_servers.empty()) {
        broker_ = messaging::EmbeddedBroker::start(kafka);
        kafka = broker_->client_config(kafka);
        write_bootstrap_file(config_.kafka.embedded.bootstrap_file, kafka.bootstrap_servers);
        log::warn("app", "no kafka.bootstrap_servers: started the EMBEDDED Kafka broker at {} "
                         "(for demos and tests: memory only, a restart loses unconsumed requests)",
                  kafka.bootstrap_servers);
    } else if (config_.kafka.embedded.shared) {
        log::info("app", "using the shared embedded broker at {}", kafka.bootstrap_servers);
    } else {
        log::info("app", "Kafka cluster {}: creating missing topics", kafka.bootstrap_servers);
        messaging::ensure_topics(kafka, std::chrono::seconds(30));
    }

    database_ = store::Database::open(database_config_of(config_));
    log::info("app", "database ready ({})", database_->backend_name());  // the store logged the (redacted) URL

    board_ = std::make_unique<http::OutcomeBoard>();
    listener_ = std::make_unique<messaging::ResultListener>(
        kafka, [board = board_.get()](const domain::IssueResult& result) { board->publish(result); });
    listener_->start();

    sink_ = std::make_unique<messaging::KafkaRequestSink>(kafka);
    sink_->start();

    consumers_ = std::make_unique<messaging::IssueConsumerGroup>(
        kafka, [db = database_.get()] { return db->issue_store(); }, clock_);
    consumers_->start();

    dead_letters_ = std::make_unique<messaging::DeadLetterConsumer>(
        kafka, [db = database_.get()] { return db->dead_letter_store(); }, clock_);
    dead_letters_->start();
    replayer_ = std::make_unique<messaging::KafkaReplayer>(kafka);
    replayer_->start();

    const http::HttpConfig http_config = http_config_of(config_);
    if (http_config.admin_token.empty()) log::info("app", "admin.token is empty: admin endpoints are disabled");
    server_ = std::make_unique<http::HttpServer>(
        http_config, http::make_routes({*sink_, database_->queries(), *board_, clock_, [this] { return ready_report(); },
                                        &database_->dead_letters(), replayer_.get()},
                                       http_config));
    server_->start();
    log::info("app", "HTTP listening on {}:{}", http_config.address, server_->port());
    wait_for_assignment();
    log::info("app", "coupon-server ready");
}

void Node::wait_for_assignment() {
    // Serving starts at once; readiness waits for the first partition assignment (about 3 s on the mock).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!assigned() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (!assigned()) log::warn("app", "no partition assignment after 60 s; /ready stays 503 until then");
}

http::ReadyReport Node::ready_report() const {
    http::ReadyReport report;
    const bool db_up = database_->queries().ping();
    const bool assigned = this->assigned();
    report.components["database"] = db_up ? "UP" : "DOWN: no answer";
    report.components["consumers"] = assigned ? "UP" : "DOWN: waiting for partition assignment";
    report.components["kafka"] = broker_ ? "UP (embedded)" : "UP";
    report.ready = db_up && assigned;
    return report;
}

bool Node::assigned() const {
    return consumers_ && consumers_->assigned() && dead_letters_ && dead_letters_->assigned();
}

bool Node::healthy() const { return database_ && database_->queries().ping(); }

void Node::stop() {
    // Reverse order of start: nothing may call into a part that is already gone.
    if (server_) server_->stop();
    if (consumers_) consumers_->stop();
    if (dead_letters_) dead_letters_->stop();
    if (replayer_) replayer_->stop();
    if (sink_) sink_->stop(std::chrono::milliseconds(config_.server.shutdown_timeout_ms));
    if (listener_) listener_->stop();
    if (board_) board_->stop();
    server_.reset();
    consumers_.reset();
    dead_letters_.reset();
    replayer_.reset();
    sink_.reset();
    listener_.reset();
    board_.reset();
    database_.reset();
    broker_.reset();
}

}  // namespace coupon::app
