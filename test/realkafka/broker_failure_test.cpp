// A broker crash under load: the leader of the hot partition (every request of one policy has its key, so
// one partition) is killed with SIGKILL in the middle of a flood and started again later. Every accepted
// request still ends with exactly one outcome, nothing is issued twice, 503 is the only 5xx, and the stall
// (how long no request was decided) is printed.
#include <catch2/catch.hpp>

#include <algorithm>
#include <csignal>
#include <set>
#include <thread>

#include "e2e_fixture.hpp"
#include "real_kafka.hpp"

using namespace coupon::test;

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Restarts the killed broker however the test ends, so the tests after it find three brokers.
struct BrokerBack {
    const RealKafka& kafka;
    int node = 0;
    ~BrokerBack() {
        if (node == 0) return;
        try {
            kafka.broker("start-broker", node);
        } catch (...) {
        }
    }
};

// The request's status once it is settled: a final outcome, or NOT_QUEUED (the broker never stored it).
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

// Waits until `node` is back in the metadata and every partition of `topic` has all its replicas in sync.
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

}  // namespace

TEST_CASE("realkafka: the hot partition's leader is killed mid-flood and restarted: every accepted request ends once",
          "[realkafka]") {
    const auto kafka = cluster_or_skip();
    if (!kafka) return;
    REQUIRE_FALSE(kafka->dir.empty());  // the fault needs scripts/kafkatmp's cluster
    const TestTopics topics = unique_topics("brokerkill");
    RunningServer server(topics.env(*kafka));
    // Users come back in the later waves (ALREADY_ISSUED), so requests still go through Kafka after the restart.
    constexpr int kStock = 1000, kUsers = 1000, kWave = 100, kWaves = 16, kKillAfter = 3, kRestartAfter = 7;
    const std::int64_t policy = server.create_policy(kStock);
    const std::string body = R"({"couponPolicyId":)" + std::to_string(policy) + "}";

    struct Reply {
        int user;
        HttpReply reply;
    };
    std::vector<Reply> replies;
    BrokerBack back{*kafka};
    Clock::time_point killed_at{};
    std::int64_t killed_at_ms = 0;  // wall clock, to compare with record timestamps
    std::thread restarter;
    double restart_seconds = 0;
    int next_user = 0;
    for (int wave = 0; wave < kWaves; ++wave) {
        if (wave == kKillAfter) {
            // The partition the first waves filled is the hot one; its leader is a kafkatmp node id.
            const auto highs = high_watermarks(kafka->bootstrap, topics.issue, 10);
            const auto hot = static_cast<int>(std::max_element(highs.begin(), highs.end()) - highs.begin());
            const int leader = describe_topic(kafka->bootstrap, topics.issue).leaders.at(static_cast<std::size_t>(hot));
            REQUIRE(leader > 0);
            kafka->broker("kill-broker", leader);
            killed_at = Clock::now();
            killed_at_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch()).count();
            back.node = leader;
            WARN("killed broker " << leader << ", leader of hot partition " << hot << " after " << wave << " waves");
        }
        if (wave == kRestartAfter) {
            // In the background: a broker killed with SIGKILL recovers its logs before it serves (tens of
            // seconds on a loaded machine), and the flood goes on meanwhile.
            WARN("restarting broker " << back.node << " " << since(killed_at) << " s after the kill");
            restarter = std::thread([&kafka, node = back.node, &restart_seconds] {
                const auto restart = Clock::now();
                try {
                    kafka->broker("start-broker", node);
                    restart_seconds = since(restart);
                } catch (...) {
                    restart_seconds = -1;
                }
            });
        }
        std::vector<HttpCall> calls;
        std::vector<int> users;
        for (int i = 0; i < kWave; ++i) {
            const int user = next_user++ % kUsers + 1;
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
    if (restarter.joinable()) restarter.join();
    WARN("broker start after the kill took " << restart_seconds << " s (until its port answered)");
    const int node = back.node;
    const double recovered = wait_recovered(*kafka, topics.issue, node, 120);
    WARN("broker " << node << " back in the metadata and every replica of the issue topic in sync "
                   << recovered << " s after the last wave");
    back.node = 0;
    CHECK(recovered >= 0);

    // Replies: 503 the only 5xx, nothing unanswered.
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

    // Every request with an id settles exactly once; the UNCONFIRMED ones may end NOT_QUEUED.
    std::map<std::string, int> outcomes;
    std::set<int> winners;
    for (const auto& [id, user] : accepted) {
        const std::string status = settled_status(server, id, 120);
        INFO("request " << id << " of user " << user);
        ++outcomes[status];
        if (status == "NOT_QUEUED") CHECK(unconfirmed.count(id) == 1);
        if (status == "ISSUED") CHECK(winners.insert(user).second);
        CHECK(status.rfind("unsettled", 0) != 0);
    }
    std::string summary;
    for (const auto& [status, n] : outcomes) summary += " " + status + "=" + std::to_string(n);
    WARN(accepted.size() << " requests with an id (" << unconfirmed.size() << " answered UNCONFIRMED):" << summary);

    // The topic and the database agree: no request stored twice, one row per stored request, no user twice.
    std::set<std::string> values;
    std::size_t records = 0;
    for (const auto& r : read_topic_records(kafka->bootstrap, topics.issue)) {
        ++records;
        values.insert(r.value);
    }
    CHECK(records == values.size());
    // The stall: the longest time in which no request was decided, from the result topic's timestamps.
    std::vector<std::int64_t> decided;
    for (const auto& r : read_topic_records(kafka->bootstrap, topics.results)) decided.push_back(r.timestamp_ms);
    std::sort(decided.begin(), decided.end());
    std::int64_t stall = 0;
    for (std::size_t i = 1; i < decided.size(); ++i) stall = std::max(stall, decided[i] - decided[i - 1]);
    const auto after = std::upper_bound(decided.begin(), decided.end(), killed_at_ms);
    WARN("longest time without a decision (result topic): " << stall << " ms; first decision after the kill "
         << (after == decided.end() ? -1 : *after - killed_at_ms) << " ms after it; " << decided.size() << " results");
    auto& db = *server.database;
    CHECK(db.count("SELECT COUNT(*) FROM coupon_issue_request") == static_cast<long long>(records));
    CHECK(db.count("SELECT COUNT(*) FROM coupon") == static_cast<long long>(winners.size()));
    CHECK(db.count("SELECT COUNT(DISTINCT user_id) FROM coupon") == static_cast<long long>(winners.size()));
    CHECK(static_cast<int>(winners.size()) <= kStock);
    CHECK(json_of(server.get("/api/coupon-policies/" + std::to_string(policy))).at("issuedQuantity").as_int64() ==
          static_cast<std::int64_t>(winners.size()));
    CHECK(server.process->stop(SIGTERM) == 0);
}
