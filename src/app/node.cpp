#include "node.hpp"

#include <fmt/format.h>

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "admin_token_bootstrap.hpp"
#include "commands.hpp"
#include "coupon/base/log.hpp"
#include "coupon/messaging/ensure_topics.hpp"
#include "coupon/messaging/publisher.hpp"
#include "systemd_notify.hpp"

namespace coupon::app {

Node::Node(Config config) : config_(std::move(config)) {}

Node::~Node() { stop(); }

void Node::start() {
    bootstrap_admin_token(config_);  // embedded default without a configured token only
    messaging::KafkaConfig kafka = config_.kafka;
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

    kafka_ = kafka;
    gate_ = std::make_unique<DatabaseGate>();
    ready_refresh_ = base::Metrics::global().on_render([this] {
        ready_gauge_.store(ready_without_ping() ? 1 : 0);
        // board_ is set before the HTTP server starts, and this runs only on a scrape, served by that server.
        waiters_gauge_.store(board_ ? static_cast<std::int64_t>(board_->waiting()) : 0);
    });
    waiter_ = std::make_unique<DatabaseWaiter>(
        config_.database, [this](std::unique_ptr<store::Database> db) { database_opened(std::move(db)); });
    std::unique_ptr<store::Database> database;
    std::string unreachable;
    try {
        // Migrations run here, before READY=1: one that rebuilds a large table must not meet systemd's start
        // timeout (which would kill it, roll it back and start it over).
        const SystemdStartExtension working("opening the database (applying migrations)");
        database = store::Database::open(config_.database);
        log::info("app", "database ready ({})", database->backend_name());  // the store logged the (redacted) URL
    } catch (const store::DatabaseUnreachable& e) {
        // Any other error (bad URL or settings, a failing migration) still stops the start here.
        unreachable = e.what();
        log::warn("app", "{}; starting without the database: /ready and database-backed routes answer 503, "
                         "consumers start when it answers (retrying every {} ms at most)",
                  unreachable, DatabaseWaiter::kMaxPause.count());
    }

    board_ = std::make_unique<http::OutcomeBoard>(100'000, config_.http.known_holders);
    listener_ = std::make_unique<messaging::ResultListener>(
        kafka, [board = board_.get()](const domain::IssueResult& result) { board->publish(result); });
    listener_->start();

    if (kafka.embedded_broker) {
        // The mock drops a partition's oldest records past 5 MiB: guard every topic a request can sit in.
        guard_ = std::make_unique<messaging::BacklogGuard>(kafka);
        guard_->start();
    }
    sink_ = std::make_unique<messaging::KafkaRequestSink>(
        kafka, [board = board_.get()] { return static_cast<std::int64_t>(board->waiting()); });
    sink_->start();
    if (guard_) {
        // As many may wait for room as one partition may hold.
        guarded_sink_ = std::make_unique<messaging::GuardedRequestSink>(
            *sink_, *guard_, kafka.topics.issue, kafka.embedded.backlog_wait,
            static_cast<std::size_t>(kafka.embedded.backlog_limit_records));
    }
    publisher_ = messaging::start_publisher(kafka);  // before the consumers, which may start just below

    if (database) database_opened(std::move(database));

    replayer_ = std::make_unique<messaging::KafkaReplayer>(kafka, publisher_, std::chrono::seconds(10), guard_.get());
    replayer_->start();
    stored_requests_ = std::make_unique<messaging::IssueTopicReader>(kafka);

    const http::HttpConfig& http_config = config_.http;
    if (http_config.admin_token.empty()) log::info("app", "admin.token is empty: admin endpoints are disabled");
    server_ = std::make_unique<http::HttpServer>(
        http_config, http::make_routes({front_sink(), *gate_, *board_, clock_, [this] { return ready_report(); },
                                        gate_.get(), replayer_.get(), stored_requests_.get(), gate_.get()},
                                       http_config));
    server_->start();
    log::info("app", "HTTP listening on {}:{}", http_config.address, server_->port());
    serving_ = true;
    if (!consumers_started_.load()) {
        waiter_->start(unreachable);
        log::warn("app", "coupon-server started, NOT ready: waiting for the database");
        return;
    }
    wait_for_assignment();
    log::info("app", "coupon-server ready");
}

void Node::database_opened(std::unique_ptr<store::Database> database) {
    std::lock_guard lock(database_mutex_);
    if (stopping_.load()) return;  // closed again unused: stop() is tearing the node down
    database_ = std::move(database);
    gate_->attach(database_.get());
    // Before any result is decided here: every result carries this database's identity, and a result from a
    // node on another database stops this one from deciding (item 12 of issue 8).
    const std::string identity = database_->identity();
    messaging::set_database_identity(*publisher_, identity);
    listener_->watch_database_identity(
        identity, [this](const std::string& own, const std::string& other) { refuse_split_brain(own, other); });
    // A restarted node answers 409 COUPON_SOLD_OUT at once for what the database knows is sold out (best
    // effort: the rest is learned from the result topic).
    try {
        const auto policies = database_->queries().sold_out_policies();
        for (const auto policy : policies) board_->mark_sold_out(policy);
        if (!policies.empty()) log::info("app", "{} coupon policies are sold out", policies.size());
    } catch (const std::exception& e) {
        log::warn("app", "cannot read sold-out policies, will learn them from results: {}", e.what());
    }
    try {
        start_consumers();
    } catch (const std::exception& e) {
        if (!server_) throw;  // at start-up: the caller fails the start
        // Later, on the waiter's thread: nothing can decide requests; stop the node the normal way.
        log::error("app", "cannot start the consumers: {}; stopping", e.what());
        ::kill(::getpid(), SIGTERM);
        return;
    }
    if (server_) {
        log::info("app", "consumers started; /ready answers 200 once they have their partitions");
        systemd_notify("STATUS=serving");
    }
}

void Node::refuse_split_brain(const std::string& own, const std::string& other) {
    if (split_brain_.exchange(true)) return;
    {
        std::lock_guard lock(split_brain_mutex_);
        split_brain_reason_ = fmt::format(
            "DATABASE_SPLIT_BRAIN: a node on this Kafka cluster decides on database {}, this node's database is {}",
            other, own);
    }
    log::error("app",
               "SPLIT BRAIN: a result on {} was decided on database {}, but this node's database is {}: nodes on one "
               "Kafka cluster must share one database (each database would issue the whole stock, e.g. several "
               "nodes each with its own SQLite file). This node refuses new requests (503), stops deciding and "
               "stays not ready (/ready 503 DATABASE_SPLIT_BRAIN) until it is restarted on the shared database",
               kafka_.topics.results, other, own);
    systemd_notify("STATUS=refusing: another node of the cluster uses another database (split brain)");
    sink_->close();
    std::lock_guard lock(database_mutex_);
    if (stopping_.load() || !consumers_started_.load()) return;  // stop() stops them; none run yet
    std::lock_guard consumers(consumers_mutex_);
    consumers_->stop();
    dead_letters_->stop();
    log::error("app", "split brain: this node's consumers stopped; their partitions move to the other members");
}

void Node::start_consumers() {
    consumers_ = std::make_unique<messaging::IssueConsumerGroup>(
        kafka_, [db = database_.get()] { return db->issue_store(); }, clock_, publisher_,
        messaging::IssueConsumerGroup::TestHooks{}, guard_.get());
    consumers_->start();

    dead_letters_ = std::make_unique<messaging::DeadLetterConsumer>(
        kafka_, [db = database_.get()] { return db->dead_letter_store(); }, clock_, publisher_);
    dead_letters_->start();
    consumers_started_ = true;
}

domain::RequestSink& Node::front_sink() {
    if (guarded_sink_) return *guarded_sink_;
    return *sink_;
}

void Node::drain(std::chrono::steady_clock::time_point deadline) {
    using std::chrono::duration_cast;
    using std::chrono::milliseconds;
    sink_->close();
    if (!broker_ || !guard_) {
        log::info("app", "refusing new requests (503) while stopping");
        return;  // a real or shared broker keeps the records for the next consumer
    }
    // The embedded broker dies with this process, and with it every record not yet consumed: let the
    // consumers take them while the HTTP side answers 503 to new requests (and GETs as usual).
    const auto since = std::chrono::steady_clock::now();
    log::info("app", "refusing new requests (503); draining the embedded broker's backlog ({} record(s)) for at most {} ms",
              guard_->unconsumed_records(), duration_cast<milliseconds>(deadline - since).count());
    (void)sink_->flush(duration_cast<milliseconds>(deadline - since));  // every accepted record is on the broker
    std::int64_t left = 0;
    for (;;) {
        guard_->sample();
        left = guard_->unconsumed_records();
        if (left == 0 || std::chrono::steady_clock::now() >= deadline) break;
        std::this_thread::sleep_for(milliseconds(100));
    }
    const auto took = duration_cast<milliseconds>(std::chrono::steady_clock::now() - since).count();
    if (left == 0) {
        log::info("app", "embedded broker drained in {} ms: every accepted request was consumed", took);
        return;
    }
    std::string where;
    for (const auto& b : guard_->snapshot()) {
        if (b.records > 0) where += fmt::format("{}{}[{}]={}", where.empty() ? "" : ", ", b.topic, b.partition, b.records);
    }
    log::error("app",
               "stopping with {} record(s) still unconsumed on the embedded broker after {} ms (lost with it; a request "
               "in transit between two topics counts twice; raise server.shutdown_timeout_ms or fix the database): {}",
               left, took, where);
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
    const bool db_open = gate_->attached();
    const bool db_up = db_open && gate_->ping();
    const bool assigned = this->assigned();
    std::string waiting = db_open ? std::string() : waiter_->status();
    if (!db_open && waiting.empty()) waiting = "waiting for the database";
    report.components["database"] = db_up ? "UP" : db_open ? "DOWN: no answer" : "DOWN: " + waiting;
    report.components["consumers"] = assigned            ? "UP"
                                      : consumers_started_ ? "DOWN: waiting for partition assignment"
                                                          : "DOWN: not started, waiting for the database";
    report.components["kafka"] = broker_ ? "UP (embedded)" : "UP";
    report.ready = db_up && assigned;
    if (db_open) last_ping_ok_.store(db_up);
    if (split_brain_.load()) {
        std::lock_guard lock(split_brain_mutex_);
        report.components["database"] = "DOWN: " + split_brain_reason_;
        report.components["consumers"] = "DOWN: stopped (split brain)";
        report.ready = false;
    }
    if (stopping_.load()) {
        // Load balancers stop sending new requests while the node drains (they would only get 503).
        report.components["node"] = "DOWN: stopping";
        report.ready = false;
    }
    return report;
}

bool Node::ready_without_ping() const {
    return !stopping_.load() && !split_brain_.load() && gate_->attached() && last_ping_ok_.load() && assigned();
}

bool Node::assigned() const {
    // consumers_ may be set by the waiter's thread: read it only once the flag says it is there.
    if (!consumers_started_.load() || split_brain_.load()) return false;
    std::unique_lock lock(consumers_mutex_, std::try_to_lock);
    return lock.owns_lock() && consumers_->assigned() && dead_letters_->assigned();
}

std::chrono::milliseconds Node::database_wait_bound() const {
    // SQLite only has the first; the sum is the worst case of one PostgreSQL wait (a reconnect, then a
    // statement that waits for a lock). A timeout of 0 means none: the wait is then not bounded, and counts.
    const auto& db = config_.database;
    return db.busy_timeout + db.statement_timeout + db.connect_timeout;
}

void Node::stop() {
    const auto timeout = config_.server.shutdown_timeout;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    stopping_ = true;
    if (waiter_) waiter_->stop();  // joins; a database_opened() in progress finishes first
    {
        std::lock_guard lock(database_mutex_);  // and one that starts later sees stopping_
    }
    if (serving_) {
        serving_ = false;
        drain(deadline);
    }
    // Reverse order of start: nothing may call into a part that is already gone.
    if (server_) {
        // What the drain left of the budget, but time for the requests it was answering.
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        server_->stop(std::max<std::chrono::milliseconds>(left, std::chrono::seconds(1)));
    }
    ready_refresh_.reset();  // nothing scrapes any more; the parts it reads go below
    ready_gauge_.store(0);
    if (consumers_) consumers_->stop();
    if (dead_letters_) dead_letters_->stop();
    if (guarded_sink_) guarded_sink_->stop();  // what still waits for room: 503, before its guard stops
    if (sink_) sink_->stop(timeout);
    if (guard_) guard_->stop();
    if (listener_) listener_->stop();
    if (board_) board_->stop();
    server_.reset();
    consumers_.reset();
    dead_letters_.reset();
    replayer_.reset();
    publisher_.reset();  // its last owner: flushes and stops the producer
    stored_requests_.reset();
    guarded_sink_.reset();
    sink_.reset();
    guard_.reset();
    listener_.reset();
    board_.reset();
    consumers_started_ = false;
    waiter_.reset();
    database_.reset();
    gate_.reset();
    broker_.reset();
}

}  // namespace coupon::app
