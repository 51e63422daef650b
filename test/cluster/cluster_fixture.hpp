#pragma once
// A local multi-node deployment for one test, all real processes over loopback: one shared embedded broker
// (`coupon-server broker --bootstrap-file`), PostgreSQL (a fresh database on COUPON_TEST_PG_URL, or a
// throwaway server of its own through scripts/pgtmp) and up to kMaxNodes `coupon-server` nodes on port 0.
// Everything it starts is stopped by PID in the destructor (nodes first, then the broker, then PostgreSQL),
// also when a check failed; on failure the tails of every log are printed and the directory is kept
// (COUPON_CLUSTER_KEEP_LOGS=1 keeps it always).
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "http_client.hpp"
#include "server_process.hpp"

namespace coupon::test {

class PgTmpServer;

using Rows = std::vector<std::vector<std::string>>;  // NULL reads as ""

// A PostgreSQL database of its own for one test.
class PgDatabase {
public:
    // own_server: always start a throwaway server (needed to restart it); otherwise use COUPON_TEST_PG_URL
    // when it is set and create a database there.
    explicit PgDatabase(bool own_server);
    ~PgDatabase();
    PgDatabase(const PgDatabase&) = delete;
    PgDatabase& operator=(const PgDatabase&) = delete;

    const std::string& url() const { return url_; }
    // Fast stop and start of the throwaway server (scripts/pgtmp restart); only with own_server.
    void restart();
    // A new connection per call (the server may have restarted in between); throws on any error.
    Rows query(const std::string& sql) const;
    std::int64_t scalar(const std::string& sql) const;

private:
    std::unique_ptr<PgTmpServer> own_;
    std::string server_url_, url_, name_;
};

struct ClusterOptions {
    bool own_pg_server = false;
    int consumer_threads = 2;
    // A Kafka cluster that is already running (the realkafka tier's) instead of an embedded broker of the
    // test's own; node_env then names the topics and the group (COUPON_KAFKA_TOPICS_*, ..._GROUP_ID).
    std::string bootstrap;
    std::map<std::string, std::string> node_env;  // added to every node's environment
    std::map<int, std::map<std::string, std::string>> node_env_of;  // added to one node's (after node_env)
};

class Cluster {
public:
    static constexpr int kMaxNodes = 4;
    static constexpr const char* kAdminToken = "cluster-admin-token";

    explicit Cluster(ClusterOptions options = {});
    ~Cluster();
    Cluster(const Cluster&) = delete;
    Cluster& operator=(const Cluster&) = delete;

    // Starts nodes (1-based) all at once and waits until each logs "coupon-server ready" (bounded).
    // The processes die with the thread that spawns them: spawn on the test's main thread; waiting for
    // readiness may happen on any thread.
    void start_nodes(const std::vector<int>& nodes) {
        spawn_nodes(nodes);
        wait_ready(nodes);
    }
    void start_node(int node) { start_nodes({node}); }
    void spawn_nodes(const std::vector<int>& nodes);
    void wait_ready(const std::vector<int>& nodes);  // throws (with the log's tail) when one is not ready in 60 s
    void kill_node(int node);  // SIGKILL: a crash
    int stop_node(int node);   // SIGTERM: graceful; returns the exit status
    bool alive(int node) const;
    pid_t pid(int node) const;  // -1 when the node never started
    std::vector<int> live_nodes() const;
    // The node's current HTTP port (0 before its first start); changes when it restarts.
    std::uint16_t port(int node) const { return slot(node).port.load(); }
    // Every start's log of that node, concatenated, and its size so far (to look at lines after a point).
    std::string node_log(int node) const;

    const std::string& bootstrap() const { return bootstrap_; }
    // The nodes' topic names (node_env's COUPON_KAFKA_TOPICS_*, else the defaults).
    std::string issue_topic() const { return node_setting("COUPON_KAFKA_TOPICS_ISSUE", "coupon-issue-topic"); }
    std::vector<std::string> retry_and_dlt_topics() const;
    PgDatabase& pg() { return *pg_; }
    const std::string& dir() const { return dir_; }

    HttpReply get(int node, const std::string& target) const;
    std::int64_t create_policy(int node, const std::string& name, std::int64_t total, const std::string& extra = "");

    // Tails of the broker's and every node's logs, for failure messages.
    std::string log_tails(std::size_t lines = 40) const;
    // Marks the test as failed: the destructor then prints the logs and keeps the directory.
    void mark_failed() { failed_ = true; }

private:
    struct Slot {
        std::unique_ptr<ServerProcess> process;
        std::atomic<std::uint16_t> port{0};
        int starts = 0;
    };
    std::string node_setting(const std::string& key, const std::string& fallback) const;
    Slot& slot(int node);
    const Slot& slot(int node) const;

    ClusterOptions options_;
    std::string dir_;
    bool failed_ = false;
    // Destroyed in reverse order: nodes, then the broker, then PostgreSQL.
    std::unique_ptr<PgDatabase> pg_;
    std::unique_ptr<ServerProcess> broker_;
    std::string bootstrap_;
    std::array<Slot, kMaxNodes> nodes_;
};

// Partitions of `topic` a node's log (from `from` on) reports as newly assigned / revoked.
int assigned_partitions(const std::string& log, std::size_t from = 0, const std::string& topic = "coupon-issue-topic");
int revoked_partitions(const std::string& log, std::size_t from = 0, const std::string& topic = "coupon-issue-topic");

// Runs a shell command; returns its stdout and sets *status to its exit status.
std::string run_command(const std::string& command, int* status = nullptr);
// The last `lines` lines of `text`.
std::string tail_lines(const std::string& text, std::size_t lines);

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point start);

}  // namespace coupon::test
