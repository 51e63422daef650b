// The embedded broker drops a partition's oldest records past 5 MiB, consumed or not. During a database outage
// every batch moves on to the retry topics (and, after the last attempt, the DLT), so THOSE fill up while the
// main topic stays empty. Issue 8 item 1 saw 130k accepted requests lost that way. Scaled down: a backlog
// limit of 64 KiB stands in for the broker's 5 MiB; the guard must hold every retry and dead-letter partition
// under it (back-pressure up to the front end, which answers 503), and every 202 must end with one outcome.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <future>
#include <mutex>
#include <thread>

#include "broker_view.hpp"
#include "e2e_fixture.hpp"

using namespace coupon::test;
using namespace std::chrono_literals;

namespace {

constexpr std::int64_t kLimitBytes = 64 * 1024;
// The guard counts a record as at least 256 bytes, so no partition may ever hold more unconsumed records.
constexpr std::int64_t kMaxRecords = kLimitBytes / 256;
constexpr int kPartitions = 2;

std::string read_file(const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "r");
    if (!f) return {};
    char buf[512];
    const std::size_t n = std::fread(buf, 1, sizeof buf, f);
    std::fclose(f);
    std::string s(buf, n);
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
}

struct Flood {
    std::mutex mutex;
    std::vector<std::pair<std::string, std::int64_t>> accepted;  // request id, user
    std::atomic<int> refused{0};
    std::atomic<int> other{0};
    std::atomic<std::int64_t> next_user{1};
};

}  // namespace

TEST_CASE("database outage: retry topics and the DLT stay under the backlog limit, 503 at the front, nothing lost",
          "[e2e][backlog]") {
    TempDir scratch;
    const std::string bootstrap_file = scratch.path() + "/bootstrap";
    RunningServer server(std::map<std::string, std::string>{
        {"COUPON_DATABASE_BUSY_TIMEOUT_MS", "200"},
        {"COUPON_KAFKA_RETRY_DELAY_MS", "2000"},  // retry-1000 due after 2 s, retry-2000 after 4 s more
        {"COUPON_KAFKA_EMBEDDED_BACKLOG_LIMIT_BYTES", std::to_string(kLimitBytes)},
        {"COUPON_KAFKA_TOPICS_PARTITIONS", std::to_string(kPartitions)},
        {"COUPON_KAFKA_EMBEDDED_BOOTSTRAP_FILE", bootstrap_file},
    });
    constexpr std::int64_t kStock = 150;
    const std::int64_t policy = server.create_policy(kStock);
    const std::string body = R"({"couponPolicyId":)" + std::to_string(policy) + "}";
    CHECK(server.process->wait_for_log("backlog guard: coupon-issue-topic.DLT", 1s));  // says which bound applies

    const std::string group = "coupon-issue-consumer-group";
    const std::map<std::string, std::string> groups{
        {"coupon-issue-topic", group},
        {"coupon-issue-topic-retry-1000", group + "-retry-1000"},
        {"coupon-issue-topic-retry-2000", group + "-retry-2000"},
        {"coupon-issue-topic.DLT", group + "-dlt"},
    };
    auto broker = std::make_unique<BrokerView>(read_file(bootstrap_file), groups);
    std::map<std::string, std::int64_t> worst;  // topic -> largest backlog (records) seen in any partition
    std::int64_t dropped = 0;                   // largest log start: above 0, the broker deleted records
    std::atomic<int> samples{0};
    std::atomic<bool> watching{true};
    std::thread watcher([&] {
        while (watching.load()) {
            try {
                for (const auto& [topic, g] : groups) {
                    for (const auto& p : broker->read(topic, kPartitions)) {
                        worst[topic] = std::max(worst[topic], p.high - p.committed);
                        dropped = std::max(dropped, p.low);
                    }
                }
                ++samples;
            } catch (const std::exception&) {
                // A slow answer: the next round samples again.
            }
            std::this_thread::sleep_for(50ms);
        }
    });

    // Locked longer than main + both retry stages (0 + 2 + 4 s), so requests move through the retry topics
    // into the DLT, whose consumer cannot store them either: every stage fills up. The flood runs while the
    // database is locked, bounded in count.
    constexpr auto kOutage = 9s;
    constexpr int kMaxRequests = 6000;
    Flood flood;
    std::atomic<bool> locked{true};
    std::thread lock = server.database->refuse_writes_in_background(kOutage, [&] { locked = false; });
    std::vector<std::thread> clients;
    for (int t = 0; t < 4; ++t) {
        clients.emplace_back([&] {
            while (locked.load()) {
                const std::int64_t user = flood.next_user.fetch_add(1);
                if (user > kMaxRequests) break;
                const auto reply = server.post("/api/coupons/" + std::to_string(user), body, {{"Prefer", "respond-async"}});
                if (reply.status == 202) {
                    std::lock_guard g(flood.mutex);
                    flood.accepted.emplace_back(str(json_of(reply), "requestId"), user);
                } else if (reply.status == 503) {
                    CHECK_FALSE(reply.header("retry-after").empty());
                    ++flood.refused;
                    std::this_thread::sleep_for(5ms);  // as a client honouring Retry-After would, a little
                } else if (reply.status != 409) {  // 409: sold out, known without producing
                    ++flood.other;
                }
            }
        });
    }
    for (auto& c : clients) c.join();
    lock.join();
    const auto accepted = static_cast<long long>(flood.accepted.size());
    INFO("accepted " << accepted << ", refused " << flood.refused.load() << ", other " << flood.other.load());
    WARN("outage flood: " << accepted << " x 202, " << flood.refused.load() << " x 503");
    CHECK(flood.refused.load() > 0);
    CHECK(flood.other.load() == 0);
    REQUIRE(accepted > kStock);

    // The database is back: every accepted request gets exactly one outcome (the retry delays and the
    // chain's back-pressure bound how long that takes).
    const auto decided = [&] { return server.database->count("SELECT COUNT(*) FROM coupon_issue_request"); };
    (void)eventually([&] { return decided() >= accepted; }, 90s, 200ms);
    watching = false;
    watcher.join();
    broker.reset();  // before the server (and its broker) goes
    CHECK(samples.load() > 20);
    for (const auto& [topic, n] : worst) {
        INFO(topic << ": largest backlog " << n << " records (limit " << kMaxRecords << ")");
        CHECK(n <= kMaxRecords);
    }
    WARN("largest partition backlogs: issue " << worst["coupon-issue-topic"] << ", retry-1000 "
                                              << worst["coupon-issue-topic-retry-1000"] << ", retry-2000 "
                                              << worst["coupon-issue-topic-retry-2000"] << ", DLT "
                                              << worst["coupon-issue-topic.DLT"] << " (bound " << kMaxRecords << ")");
    CHECK(dropped == 0);
    CHECK(decided() == accepted);

    // Exactly one final outcome per 202, exactly the stock, no user twice.
    int issued = 0, sold_out = 0, failed = 0, unknown = 0;
    for (const auto& [id, user] : flood.accepted) {
        const std::string status = str(json_of(server.get("/api/coupon-requests/" + id)), "status");
        if (status == "ISSUED") {
            ++issued;
        } else if (status == "SOLD_OUT") {
            ++sold_out;
        } else if (status == "FAILED") {
            ++failed;
        } else {
            ++unknown;
            UNSCOPED_INFO(id << ": " << status);
        }
    }
    WARN("outcomes: " << issued << " issued, " << sold_out << " sold out, " << failed << " failed (dead letters)");
    CHECK(unknown == 0);
    CHECK(issued + sold_out + failed == accepted);
    CHECK(server.database->count("SELECT COUNT(*) FROM coupon") == issued);
    CHECK(server.database->count("SELECT COUNT(DISTINCT user_id) FROM coupon") == issued);
    // Every request not dead-lettered was decided by the rule, first come first served: the stock went out
    // whole unless fewer than that were left.
    CHECK(issued == std::min<long long>(kStock, accepted - failed));
    CHECK(server.process->stop(SIGTERM) == 0);
}

namespace {

// Answers of `count` async POSTs for one policy (one partition), all sent at once.
std::vector<HttpReply> post_all_at_once(RunningServer& server, std::int64_t policy, int first_user, int count) {
    const std::string body = R"({"couponPolicyId":)" + std::to_string(policy) + "}";
    std::vector<std::future<HttpReply>> replies;
    for (int i = 0; i < count; ++i) {
        replies.push_back(std::async(std::launch::async, [&server, &body, user = first_user + i] {
            return http(server.port, {"POST", "/api/coupons/" + std::to_string(user), body,
                                      {{"Prefer", "respond-async"}}}, 15000);
        }));
    }
    std::vector<HttpReply> out;
    for (auto& r : replies) out.push_back(r.get());
    return out;
}

}  // namespace

TEST_CASE("a full issue partition holds new requests until the consumers commit: 202 after the wait, not 503",
          "[e2e][backlog]") {
    // A 4 KiB limit holds about 14 requests a partition. The database is locked for a moment, so the consumer
    // holds its batch uncommitted and the partition stays full while a burst arrives; the requests past the
    // limit wait for room (kafka.embedded.backlog_wait_ms) and are stored once the consumer commits. With a
    // wait of 0 the same burst is partly refused: the burst does reach the limit.
    for (const char* wait_ms : {"3000", "0"}) {
        const bool waits = std::string(wait_ms) != "0";
        DYNAMIC_SECTION("backlog_wait_ms " << wait_ms) {
            RunningServer server(std::map<std::string, std::string>{
                {"COUPON_DATABASE_BUSY_TIMEOUT_MS", "10000"},  // the consumer waits for the lock, no retry topic
                {"COUPON_KAFKA_EMBEDDED_BACKLOG_LIMIT_BYTES", "4096"},
                {"COUPON_KAFKA_EMBEDDED_BACKLOG_WAIT_MS", wait_ms},
                {"COUPON_HTTP_ISSUE_WAIT_MS", "8000"},
            });
            const std::int64_t policy = server.create_policy(1000);
            constexpr int kBurst = 40;
            std::thread lock = server.database->refuse_writes_in_background(1500ms);
            std::this_thread::sleep_for(100ms);
            const auto replies = post_all_at_once(server, policy, 1, kBurst);
            lock.join();
            std::vector<std::string> accepted;
            int refused = 0;
            for (const auto& reply : replies) {
                INFO(reply.status << " " << reply.body);
                if (reply.status == 202) {
                    accepted.push_back(str(json_of(reply), "requestId"));
                } else {
                    CHECK(reply.status == 503);
                    CHECK(str(json_of(reply), "code") == "SERVICE_BUSY");
                    ++refused;
                }
            }
            WARN("backlog_wait_ms " << wait_ms << ": " << accepted.size() << " x 202, " << refused << " x 503");
            if (waits) {
                CHECK(refused == 0);
                CHECK(accepted.size() == static_cast<std::size_t>(kBurst));
                CHECK(server.metric("coupon_kafka_requests_waited_total") > 0);
            } else {
                CHECK(refused > 0);
            }
            // Every 202 ends with its outcome.
            for (const auto& id : accepted) {
                INFO("request " << id);
                CHECK(final_status(server, id, 30) == "ISSUED");
            }
        }
    }
}
