#include "cluster_fixture.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>
#include <libpq-fe.h>
#include <signal.h>
#include <stdio.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "pgtmp_server.hpp"

namespace coupon::test {
namespace {


Rows run_query(const std::string& url, const std::string& sql) {
    PGconn* conn = PQconnectdb(url.c_str());
    if (PQstatus(conn) != CONNECTION_OK) {
        const std::string why = PQerrorMessage(conn);
        PQfinish(conn);
        throw std::runtime_error("connecting to " + url + ": " + why);
    }
    PGresult* result = PQexec(conn, sql.c_str());
    const auto status = PQresultStatus(result);
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
        const std::string why = PQresultErrorMessage(result);
        PQclear(result);
        PQfinish(conn);
        throw std::runtime_error("query failed: " + sql + ": " + why);
    }
    Rows rows;
    const int n = PQntuples(result), columns = PQnfields(result);
    rows.reserve(static_cast<std::size_t>(n));
    for (int r = 0; r < n; ++r) {
        std::vector<std::string> row;
        for (int c = 0; c < columns; ++c) row.emplace_back(PQgetisnull(result, r, c) ? "" : PQgetvalue(result, r, c));
        rows.push_back(std::move(row));
    }
    PQclear(result);
    PQfinish(conn);
    return rows;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

void raise_fd_limit() {
    rlimit lim{};
    if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
        lim.rlim_cur = lim.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &lim);
    }
}

}  // namespace

std::string run_command(const std::string& command, int* status) {
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) throw std::runtime_error("cannot run " + command);
    std::string out;
    char buffer[65536];
    std::size_t n = 0;
    while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
    const int rc = ::pclose(pipe);
    if (status != nullptr) *status = WIFEXITED(rc) ? WEXITSTATUS(rc) : 128 + WTERMSIG(rc);
    return out;
}

std::string tail_lines(const std::string& text, std::size_t lines) {
    std::size_t pos = text.size();
    if (pos > 0 && text[pos - 1] == '\n') --pos;
    for (std::size_t seen = 0; pos > 0; --pos) {
        if (text[pos - 1] == '\n' && ++seen == lines) break;
    }
    return text.substr(pos);
}

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// ---------------------------------------------------------------------------------------------------------

PgDatabase::PgDatabase(bool own_server) {
    const char* env = std::getenv("COUPON_TEST_PG_URL");
    if (own_server || env == nullptr || *env == '\0') {
        own_ = std::make_unique<PgTmpServer>();
        server_url_ = own_->url();
    } else {
        server_url_ = env;
    }
    std::random_device random;
    name_ = fmt::format("cluster_{}_{:08x}", ::getpid(), random());
    run_query(server_url_, "CREATE DATABASE " + name_);
    url_ = pg_url_with_database(server_url_, name_);
}

PgDatabase::~PgDatabase() {
    if (own_) return;  // the whole server goes away with its directory
    try {
        run_query(server_url_, "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    } catch (const std::exception& e) {
        fmt::print(stderr, "dropping {}: {}\n", name_, e.what());
    }
}

void PgDatabase::restart() {
    if (!own_) throw std::logic_error("PgDatabase::restart needs its own server");
    own_->restart();
}

Rows PgDatabase::query(const std::string& sql) const { return run_query(url_, sql); }

std::int64_t PgDatabase::scalar(const std::string& sql) const {
    const Rows rows = query(sql);
    if (rows.size() != 1 || rows[0].size() != 1) throw std::runtime_error("not a scalar: " + sql);
    return rows[0][0].empty() ? 0 : std::stoll(rows[0][0]);
}

// ---------------------------------------------------------------------------------------------------------

Cluster::Cluster(ClusterOptions options) : options_(options) {
    raise_fd_limit();
    char name[] = "/tmp/coupon-cluster-test-XXXXXX";
    if (::mkdtemp(name) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = name;
    try {
        pg_ = std::make_unique<PgDatabase>(options_.own_pg_server);
        if (!options_.bootstrap.empty()) {
            bootstrap_ = options_.bootstrap;
            return;
        }
        const std::string file = dir_ + "/bootstrap";
        broker_ = std::make_unique<ServerProcess>(std::vector<std::string>{"broker", "--bootstrap-file", file},
                                                  std::map<std::string, std::string>{}, dir_ + "/broker.log", true);
        if (!broker_->wait_for_log("coupon-server broker ready", std::chrono::seconds(30))) {
            throw std::runtime_error("the broker did not start:\n" + broker_->log());
        }
        bootstrap_ = read_file(file);
        while (!bootstrap_.empty() && std::isspace(static_cast<unsigned char>(bootstrap_.back()))) bootstrap_.pop_back();
        if (bootstrap_.empty()) throw std::runtime_error("the broker wrote no bootstrap address");
    } catch (...) {
        failed_ = true;
        throw;  // members constructed so far are destroyed; the destructor does not run
    }
}

Cluster::~Cluster() {
    const bool failed = failed_ || std::uncaught_exceptions() > 0;
    if (failed) fmt::print(stderr, "cluster test failed; logs in {}\n{}\n", dir_, log_tails(60));
    for (auto& s : nodes_) {
        if (s.process && s.process->running()) s.process->stop(SIGKILL, std::chrono::seconds(10));
    }
    if (broker_ && broker_->running()) broker_->stop(SIGTERM, std::chrono::seconds(10));
    pg_.reset();
    if (const char* keep = std::getenv("COUPON_CLUSTER_KEEP_LOGS"); keep != nullptr && *keep != '\0') {
        fmt::print(stderr, "logs kept in {} (COUPON_CLUSTER_KEEP_LOGS)\n", dir_);
    } else if (!failed) {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
}

std::string Cluster::node_setting(const std::string& key, const std::string& fallback) const {
    const auto it = options_.node_env.find(key);
    return it == options_.node_env.end() || it->second.empty() ? fallback : it->second;
}

std::vector<std::string> Cluster::retry_and_dlt_topics() const {
    const std::string issue = issue_topic();
    return {node_setting("COUPON_KAFKA_TOPICS_RETRY_1", issue + "-retry-1000"),
            node_setting("COUPON_KAFKA_TOPICS_RETRY_2", issue + "-retry-2000"),
            node_setting("COUPON_KAFKA_TOPICS_DLT", issue + ".DLT")};
}

namespace {

int moved_partitions(const std::string& log, std::size_t from, const std::string& verb, const std::string& topic) {
    static const std::regex special(R"([.^$|()\[\]{}*+?\\])");
    const std::regex line(verb + R"( (\d+) partition\(s\) of )" + std::regex_replace(topic, special, R"(\$&)") + ":");
    int total = 0;
    const std::string tail = from < log.size() ? log.substr(from) : std::string{};
    for (std::sregex_iterator it(tail.begin(), tail.end(), line), end; it != end; ++it) {
        total += std::stoi((*it)[1].str());
    }
    return total;
}

}  // namespace

int assigned_partitions(const std::string& log, std::size_t from, const std::string& topic) {
    return moved_partitions(log, from, "assigned", topic);
}

int revoked_partitions(const std::string& log, std::size_t from, const std::string& topic) {
    return moved_partitions(log, from, "revoked", topic);
}

Cluster::Slot& Cluster::slot(int node) {
    if (node < 1 || node > kMaxNodes) throw std::out_of_range("node " + std::to_string(node));
    return nodes_[static_cast<std::size_t>(node - 1)];
}
const Cluster::Slot& Cluster::slot(int node) const {
    if (node < 1 || node > kMaxNodes) throw std::out_of_range("node " + std::to_string(node));
    return nodes_[static_cast<std::size_t>(node - 1)];
}

void Cluster::spawn_nodes(const std::vector<int>& nodes) {
    for (int node : nodes) {
        Slot& s = slot(node);
        if (s.process && s.process->running()) throw std::logic_error(fmt::format("node {} is running", node));
        std::filesystem::create_directories(fmt::format("{}/node-{}", dir_, node));
        std::map<std::string, std::string> env{
            {"COUPON_HTTP_ADDRESS", "127.0.0.1"},
            {"COUPON_HTTP_PORT", "0"},
            {"COUPON_SERVER_DATA_DIR", fmt::format("{}/node-{}", dir_, node)},
            {"COUPON_DATABASE_URL", pg_->url()},
            {"COUPON_ADMIN_TOKEN", kAdminToken},
            {"COUPON_KAFKA_BOOTSTRAP_SERVERS", bootstrap_},
            {"COUPON_KAFKA_EMBEDDED_SHARED", options_.bootstrap.empty() ? "true" : "false"},
            // The embedded broker holds every join and leave of a running group for session.timeout.ms - 1 s,
            // and an unlucky leave costs a join, a dead member's session and another join (DESIGN.md 7):
            // 3 s keeps that under 10 s. A real broker refuses less than its group.min.session.timeout.ms (6 s).
            {"COUPON_KAFKA_CONSUMER_SESSION_TIMEOUT_MS", options_.bootstrap.empty() ? "3000" : "6000"},
            {"COUPON_KAFKA_CONSUMER_HEARTBEAT_INTERVAL_MS", "1000"},
            {"COUPON_KAFKA_CONSUMER_THREADS", std::to_string(options_.consumer_threads)},
        };
        for (const auto& [k, v] : options_.node_env) env[k] = v;
        if (auto own = options_.node_env_of.find(node); own != options_.node_env_of.end()) {
            for (const auto& [k, v] : own->second) env[k] = v;
        }
        // A log per start: a restarted node must not be judged by its predecessor's lines.
        const std::string log = fmt::format("{}/node-{}.{}.log", dir_, node, ++s.starts);
        s.port = 0;
        s.process = std::make_unique<ServerProcess>(std::vector<std::string>{"serve"}, env, log, true);
    }
}

void Cluster::wait_ready(const std::vector<int>& nodes) {
    // Joining a running group takes about session.timeout.ms on the mock broker: bounded by 60 s.
    for (int node : nodes) {
        Slot& s = slot(node);
        const std::uint16_t port = s.process->wait_ready(std::chrono::seconds(60));
        if (port == 0) {
            failed_ = true;
            throw std::runtime_error(fmt::format("node {} did not become ready:\n{}", node, tail_lines(s.process->log(), 60)));
        }
        s.port = port;
    }
}

void Cluster::kill_node(int node) {
    Slot& s = slot(node);
    if (s.process) s.process->stop(SIGKILL, std::chrono::seconds(10));
}

int Cluster::stop_node(int node) {
    Slot& s = slot(node);
    return s.process ? s.process->stop(SIGTERM, std::chrono::seconds(30)) : -1;
}

bool Cluster::alive(int node) const {
    const Slot& s = slot(node);
    return s.process && s.process->running();
}

pid_t Cluster::pid(int node) const {
    const Slot& s = slot(node);
    return s.process ? s.process->pid() : -1;
}

std::vector<int> Cluster::live_nodes() const {
    std::vector<int> out;
    for (int k = 1; k <= kMaxNodes; ++k) {
        if (alive(k)) out.push_back(k);
    }
    return out;
}

std::string Cluster::node_log(int node) const {
    std::string out;
    for (int start = 1; start <= slot(node).starts; ++start) out += read_file(fmt::format("{}/node-{}.{}.log", dir_, node, start));
    return out;
}

HttpReply Cluster::get(int node, const std::string& target) const { return http(port(node), {"GET", target, "", {}}, 10000); }

std::int64_t Cluster::create_policy(int node, const std::string& name, std::int64_t total, const std::string& extra) {
    const std::string body = fmt::format(R"({{"name":"{}","totalQuantity":{},"discountType":"AMOUNT","discountValue":3000{}}})",
                                         name, total, extra);
    const auto reply = http(port(node), {"POST", "/api/coupon-policies", body, {{"Authorization", std::string("Bearer ") + kAdminToken}}});
    if (reply.status != 201) {
        failed_ = true;
        throw std::runtime_error(fmt::format("create policy on node {}: {} {}", node, reply.status, reply.body));
    }
    return boost::json::parse(reply.body).at("id").as_int64();
}

std::string Cluster::log_tails(std::size_t lines) const {
    std::string out = fmt::format("----- broker.log -----\n{}\n", tail_lines(read_file(dir_ + "/broker.log"), 10));
    for (int node = 1; node <= kMaxNodes; ++node) {
        for (int start = 1; start <= slot(node).starts; ++start) {
            const std::string path = fmt::format("{}/node-{}.{}.log", dir_, node, start);
            out += fmt::format("----- node-{}.{}.log -----\n{}\n", node, start, tail_lines(read_file(path), lines));
        }
    }
    return out;
}

}  // namespace coupon::test
