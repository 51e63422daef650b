#include "flood_audit.hpp"

#include <algorithm>
#include <thread>

namespace coupon::test {
namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

}  // namespace

std::vector<WaveReply> post_waves(const RunningServer& server, std::int64_t policy, const Waves& w) {
    const std::string body = R"({"couponPolicyId":)" + std::to_string(policy) + "}";
    std::vector<WaveReply> replies;
    int next_user = 0;
    for (int wave = 0; wave < w.waves; ++wave) {
        if (w.before_wave) w.before_wave(wave);
        std::vector<HttpCall> calls;
        std::vector<int> users;
        for (int i = 0; i < w.per_wave; ++i) {
            const int user = next_user++ % w.users + 1;
            users.push_back(user);
            calls.push_back({"POST", "/api/coupons/" + std::to_string(user), body, {}});
        }
        const auto start = Clock::now();
        const auto answers = http_all_at_once(server.port, calls);
        std::map<int, int> by_status;
        for (std::size_t i = 0; i < answers.size(); ++i) {
            ++by_status[answers[i].status];
            replies.push_back({users[i], answers[i]});
        }
        std::string summary;
        for (const auto& [status, n] : by_status) summary += " " + std::to_string(status) + "x" + std::to_string(n);
        WARN("wave " << wave << ": " << since(start) << " s," << summary);
    }
    return replies;
}

std::string settled_status(const RunningServer& s, const std::string& id, int seconds) {
    std::string status;
    const auto deadline = Clock::now() + std::chrono::seconds(seconds);
    while (Clock::now() < deadline) {
        status = str(json_of(s.get("/api/coupon-requests/" + id)), "status");
        if (status == "ISSUED" || status == "ALREADY_ISSUED" || status == "SOLD_OUT" || status == "FAILED" ||
            status == "NOT_QUEUED") {
            return status;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return "unsettled (" + status + ")";
}

double wait_recovered(const RealKafka& kafka, const std::string& topic, int node, int seconds) {
    const auto start = Clock::now();
    while (since(start) < seconds) {
        const auto brokers = live_brokers(kafka.bootstrap);
        const auto d = describe_topic(kafka.bootstrap, topic);
        if (std::count(brokers.begin(), brokers.end(), node) == 1 && d.exists &&
            std::all_of(d.isr.begin(), d.isr.end(), [](int n) { return n == 3; })) {
            return since(start);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    return -1;
}

std::pair<int, int> hot_partition_leader(const RealKafka& kafka, const std::string& topic) {
    const auto highs = high_watermarks(kafka.bootstrap, topic, 10);
    const auto hot = static_cast<int>(std::max_element(highs.begin(), highs.end()) - highs.begin());
    return {hot, describe_topic(kafka.bootstrap, topic).leaders.at(static_cast<std::size_t>(hot))};
}

std::string FloodAudit::summary() const {
    std::string out = std::to_string(accepted) + " requests with an id (" + std::to_string(unconfirmed) +
                      " answered UNCONFIRMED), " + std::to_string(topic_records) + " issue records (" +
                      std::to_string(topic_ids) + " request ids):";
    for (const auto& [status, n] : outcomes) out += " " + status + "=" + std::to_string(n);
    return out;
}

FloodAudit audit_flood(const RealKafka& kafka, const TestTopics& topics, const RunningServer& server,
                       std::int64_t policy, std::int64_t stock, const std::vector<WaveReply>& replies) {
    FloodAudit audit;
    // Replies: 503 the only 5xx, nothing unanswered, no request id given twice.
    std::map<std::string, int> accepted;  // request id -> user
    std::set<std::string> unconfirmed;
    for (const auto& [user, r] : replies) {
        INFO(r.status << " " << r.body);
        CHECK((r.status == 200 || r.status == 202 || r.status == 409 || r.status == 503));
        const auto o = json_of(r);
        const std::string id = str(o, "requestId");
        if (id.empty()) continue;
        CHECK(accepted.emplace(id, user).second);
        if (r.status == 202 && str(o, "status") == "UNCONFIRMED") unconfirmed.insert(id);
    }
    audit.accepted = accepted.size();
    audit.unconfirmed = unconfirmed.size();

    // Every request with an id settles exactly once; only an UNCONFIRMED one may end NOT_QUEUED.
    std::set<int> winners;
    std::set<std::string> not_queued;
    for (const auto& [id, user] : accepted) {
        const std::string status = settled_status(server, id, 120);
        INFO("request " << id << " of user " << user);
        ++audit.outcomes[status];
        if (status == "NOT_QUEUED") {
            CHECK(unconfirmed.count(id) == 1);
            not_queued.insert(id);
        }
        if (status == "ISSUED") CHECK(winners.insert(user).second);
        CHECK(status.rfind("unsettled", 0) != 0);
    }

    // The topic: no request id twice (a retried produce stored once), every queued acceptance on it.
    std::set<std::string> ids;
    for (const auto& r : read_topic_records(kafka.bootstrap, topics.issue)) {
        ++audit.topic_records;
        boost::system::error_code ec;
        const auto v = boost::json::parse(r.value, ec);
        const std::string id = !ec && v.is_object() ? str(v.as_object(), "requestId") : std::string{};
        INFO("record " << r.partition << "@" << r.offset << ": " << r.value);
        CHECK_FALSE(id.empty());
        CHECK(ids.insert(id).second);
    }
    audit.topic_ids = ids.size();
    for (const auto& [id, user] : accepted) {
        INFO("accepted request " << id);
        CHECK(ids.count(id) == (not_queued.count(id) ? 0U : 1U));
    }

    // The database agrees: one row per stored request, one coupon per winner, none beyond the stock.
    auto& db = *server.database;
    CHECK(db.count("SELECT COUNT(*) FROM coupon_issue_request") == static_cast<long long>(ids.size()));
    CHECK(db.count("SELECT COUNT(*) FROM coupon") == static_cast<long long>(winners.size()));
    CHECK(db.count("SELECT COUNT(DISTINCT user_id) FROM coupon") == static_cast<long long>(winners.size()));
    CHECK(static_cast<std::int64_t>(winners.size()) <= stock);
    CHECK(json_of(server.get("/api/coupon-policies/" + std::to_string(policy))).at("issuedQuantity").as_int64() ==
          static_cast<std::int64_t>(winners.size()));
    return audit;
}

}  // namespace coupon::test
