#pragma once
// A real coupon-server process on port 0 with the embedded broker (or the Kafka cluster a test names in
// extra_env) and its E2eDatabase (SQLite in a temp dir, or PostgreSQL).
#include <boost/json.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "e2e_database.hpp"
#include "eventually.hpp"
#include "http_client.hpp"
#include "server_process.hpp"

namespace coupon::test {

inline constexpr const char* kAdminToken = "e2e-admin-token-0123";  // admin.token needs 16 characters

struct RunningServer {
    TempDir dir;
    std::unique_ptr<E2eDatabase> database = create_e2e_database(dir.path());
    std::unique_ptr<ServerProcess> process;
    std::uint16_t port = 0;
    int starts = 0;

    explicit RunningServer(std::map<std::string, std::string> extra_env = {}) { start(std::move(extra_env)); }

    void start(std::map<std::string, std::string> extra_env = {}) {
        std::map<std::string, std::string> env{
            {"COUPON_HTTP_ADDRESS", "127.0.0.1"},
            {"COUPON_HTTP_PORT", "0"},
            {"COUPON_SERVER_DATA_DIR", dir.path() + "/data"},
            {"COUPON_DATABASE_URL", database->url()},
            {"COUPON_ADMIN_TOKEN", kAdminToken},
            // The embedded broker unless a test says otherwise, even in a shell that exported a real
            // cluster's address (eval "$(scripts/kafkatmp start)").
            {"COUPON_KAFKA_BOOTSTRAP_SERVERS", ""},
            {"COUPON_KAFKA_CONSUMER_SESSION_TIMEOUT_MS", "6000"},
            {"COUPON_KAFKA_CONSUMER_HEARTBEAT_INTERVAL_MS", "1000"},
        };
        for (auto& [k, v] : extra_env) env[k] = v;
        // A log per start: a restarted server must not be judged by its predecessor's lines.
        const std::string log = dir.path() + "/server-" + std::to_string(++starts) + ".log";
        process = std::make_unique<ServerProcess>(std::vector<std::string>{}, env, log);
        port = process->wait_ready();
        if (port == 0) {
            const std::string log = process->log();
            throw std::runtime_error("server did not become ready; log:\n" + log);
        }
    }

    HttpReply get(const std::string& target) const { return http(port, {"GET", target, "", {}}); }
    HttpReply get_admin(const std::string& target) const {
        return http(port, {"GET", target, "", {{"Authorization", std::string("Bearer ") + kAdminToken}}});
    }
    HttpReply post(const std::string& target, const std::string& body,
                   std::map<std::string, std::string> headers = {}) const {
        return http(port, {"POST", target, body, std::move(headers)});
    }
    HttpReply admin_post(const std::string& target, const std::string& body) const {
        return post(target, body, {{"Authorization", std::string("Bearer ") + kAdminToken}});
    }
    // One series of /metrics (its full name with labels), -1 when absent.
    std::int64_t metric(const std::string& series) const {
        const std::string text = get("/metrics").body;
        const auto at = text.find("\n" + series + " ");
        return at == std::string::npos ? -1 : std::stoll(text.substr(at + series.size() + 2));
    }
    // Creates a policy and returns its id.
    std::int64_t create_policy(std::int64_t total, const std::string& extra = "") const {
        const auto reply = admin_post("/api/coupon-policies",
                                      R"({"name":"e2e","totalQuantity":)" + std::to_string(total) +
                                          R"(,"discountType":"AMOUNT","discountValue":3000)" + extra + "}");
        if (reply.status != 201) throw std::runtime_error("create policy: " + std::to_string(reply.status) + " " + reply.body + "\nserver log:\n" + process->log());
        return boost::json::parse(reply.body).at("id").as_int64();
    }
};

inline boost::json::object json_of(const HttpReply& reply) {
    boost::system::error_code ec;
    auto value = boost::json::parse(reply.body, ec);
    if (ec || !value.is_object()) return {};
    return value.as_object();
}

inline std::string str(const boost::json::object& o, const char* key) {
    auto it = o.find(key);
    return it != o.end() && it->value().is_string() ? std::string(it->value().as_string()) : std::string{};
}

// Polls GET /api/coupon-requests/{id} until the outcome is final; returns the status ("" at the deadline).
inline std::string final_status(const RunningServer& s, const std::string& request_id, int seconds = 60) {
    std::string status;
    const bool final = eventually(
        [&] {
            const auto reply = s.get("/api/coupon-requests/" + request_id);
            status = str(json_of(reply), "status");
            return reply.status == 200 && status != "PENDING" && !status.empty();
        },
        std::chrono::seconds(seconds), std::chrono::milliseconds(100));
    return final ? status : "";
}

}  // namespace coupon::test
