// The seed's Spring service (test/interop/spring: spring-kafka 4.1.2's KafkaTemplate with JsonSerializer, and
// the seed's @KafkaListener + @RetryableTopic listener with its @DltHandler) as a real peer of coupon-server on
// real Kafka, in both directions, and Spring's own retry/DLT headers as the reference for ours.
#include <catch2/catch.hpp>

#include <algorithm>
#include <csignal>
#include <map>
#include <set>
#include <thread>

#include "e2e_fixture.hpp"
#include "real_kafka.hpp"
#include "spring_peer.hpp"

using namespace coupon::test;
using namespace std::chrono_literals;

namespace {

constexpr const char* kSpringRequestClass = "kr.hhplus.be.server.coupon.domain.event.CouponIssueRequest";
constexpr const char* kSpringResultClass = "coupon.peer.CouponIssueResult";

std::int64_t int_of(const boost::json::object& o, const char* key) {
    const auto* v = o.if_contains(key);
    return v && v->is_int64() ? v->as_int64() : -1;
}

std::string text_of(const boost::json::object& o, const char* key) {
    const auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->as_string()) : std::string{};
}

// A header as the peer printed it: {"hex": ..., "text": ...}; which = "hex" or "text".
std::string header_of(const boost::json::object& line, const char* name, const char* which = "text") {
    const auto* headers = line.if_contains("headers");
    if (!headers || !headers->is_object()) return "";
    const auto* h = headers->as_object().if_contains(name);
    return h && h->is_object() ? text_of(h->as_object(), which) : "";
}

// A big-endian number (fixed width or java.math.BigInteger bytes) from its hex text.
std::int64_t hex_number(const std::string& hex) {
    if (hex.empty() || hex.size() > 16) return -1;
    std::uint64_t u = hex[0] >= '8' ? ~std::uint64_t{0} : 0;
    for (std::size_t i = 0; i < hex.size(); i += 2) u = (u << 8) | std::stoul(hex.substr(i, 2), nullptr, 16);
    return static_cast<std::int64_t>(u);
}

std::string unique_group(const TestTopics& topics) { return topics.group + "-spring"; }

// Result records of `topic` until `count` are there (coupon-server publishes each outcome once).
std::vector<KafkaRecord> wait_records(const RealKafka& kafka, const std::string& topic, std::size_t count,
                                      int seconds) {
    std::vector<KafkaRecord> records;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (std::chrono::steady_clock::now() < deadline) {
        records = read_topic_records(kafka.bootstrap, topic);
        if (records.size() >= count) break;
        std::this_thread::sleep_for(500ms);
    }
    return records;
}

std::set<std::string> header_names(const KafkaRecord& r) {
    std::set<std::string> out;
    for (const auto& [name, value] : r.headers) out.insert(name);
    return out;
}

std::string joined(const std::set<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : " ") + n;
    return out;
}

}  // namespace

TEST_CASE("realkafka: requests the seed's Spring KafkaTemplate sends are issued by coupon-server",
          "[realkafka][spring]") {
    const auto kafka = cluster_or_skip();
    if (!kafka) return;
    const TestTopics topics = unique_topics("spring-in");
    RunningServer server(topics.env(*kafka));
    constexpr int kStock = 20, kUsers = 50, kFirstUser = 1001;
    const std::int64_t policy = server.create_policy(kStock);

    const auto start = std::chrono::steady_clock::now();
    SpringPeer producer(server.dir.path(), {"produce", kafka->bootstrap, topics.issue, std::to_string(policy),
                                            std::to_string(kFirstUser), std::to_string(kUsers)});
    const int exit_status = producer.wait_exit(120s);
    const double producer_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    INFO("spring peer stderr:\n" << producer.errors());
    REQUIRE(exit_status == 0);
    const auto sent = peer_events(producer.lines(), "sent");
    REQUIRE(sent.size() == kUsers);
    // Spring's key is the policy id: every request in one partition, in the order sent.
    std::set<std::int64_t> partitions;
    for (const auto& s : sent) partitions.insert(int_of(s, "partition"));
    CHECK(partitions.size() == 1);

    // Every request Spring sent has exactly one outcome on the result topic, and over HTTP.
    const auto results = wait_records(*kafka, topics.results, kUsers, 90);
    WARN("the Spring producer ran " << producer_seconds << " s (JVM and Spring context included); its " << kUsers
         << " requests were decided "
         << std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() - producer_seconds
         << " s after it ended");
    INFO("server log:\n" << server.process->log());
    REQUIRE(results.size() == kUsers);
    std::map<std::int64_t, std::string> status_of_user;
    std::map<std::string, int> by_status;
    for (const auto& r : results) {
        const auto o = boost::json::parse(r.value).as_object();
        const std::string id = text_of(o, "requestId");
        CHECK(r.key == id);
        CHECK(int_of(o, "couponPolicyId") == policy);
        CHECK(status_of_user.emplace(int_of(o, "userId"), text_of(o, "status")).second);  // one outcome per user
        ++by_status[text_of(o, "status")];
        CHECK(final_status(server, id, 10) == text_of(o, "status"));
    }
    CHECK(status_of_user.size() == kUsers);
    CHECK(status_of_user.begin()->first == kFirstUser);
    CHECK(status_of_user.rbegin()->first == kFirstUser + kUsers - 1);
    CHECK(by_status["ISSUED"] == kStock);
    CHECK(by_status["SOLD_OUT"] == kUsers - kStock);
    CHECK(server.database->count("SELECT COUNT(*) FROM coupon") == kStock);
    CHECK(server.database->count("SELECT COUNT(DISTINCT user_id) FROM coupon") == kStock);
    CHECK(json_of(server.get("/api/coupon-policies/" + std::to_string(policy))).at("issuedQuantity").as_int64() ==
          kStock);
    CHECK(server.process->stop(SIGTERM) == 0);
}

TEST_CASE("realkafka: the seed's Spring listener reads coupon-server's requests and retry hops and its DLT handler "
          "the dead letter with Spring's own headers",
          "[realkafka][spring]") {
    const auto kafka = cluster_or_skip();
    if (!kafka) return;
    // @RetryableTopic's own names: <topic>-retry-1000, <topic>-retry-2000 and <topic>-dlt (not the seed's
    // separate ".DLT" listener's topic, which @RetryableTopic never writes).
    TestTopics topics = unique_topics("spring-out");
    topics.dlt = topics.issue + "-dlt";
    RunningServer server(topics.env(*kafka));
    const std::int64_t policy = server.create_policy(10);
    constexpr long long kRefused = 7;
    server.database->refuse_coupons_of(kRefused);

    SpringPeer listener(server.dir.path(), {"listen", kafka->bootstrap, topics.issue, unique_group(topics),
                                            topics.results, "-", "120"});
    // (INFO reads the peer's stderr where it stands: after the wait, so a failure shows what the JVM said.)
    const bool ready_seen = listener.wait_until([](const auto& l) { return !peer_events(l, "ready").empty(); }, 90s);
    INFO("spring peer stderr at start:\n" << listener.errors());
    REQUIRE(ready_seen);
    const auto ready = peer_events(listener.lines(), "ready").at(0);
    CHECK(ready.at("ok").as_bool());
    CHECK(int_of(ready, "containers") == 5);  // main, retry-1000, retry-2000, DLT, results

    const std::string body = R"({"couponPolicyId":)" + std::to_string(policy) + "}";
    std::map<long long, std::string> ids;
    for (long long user : {kRefused, 8LL, 9LL}) {
        const auto reply = server.post("/api/coupons/" + std::to_string(user), body, {{"Prefer", "respond-async"}});
        REQUIRE(reply.status == 202);
        ids[user] = str(json_of(reply), "requestId");
    }
    CHECK(final_status(server, ids[8], 30) == "ISSUED");
    CHECK(final_status(server, ids[9], 30) == "ISSUED");
    CHECK(final_status(server, ids[kRefused], 60) == "FAILED");

    // Every event asserted below: Spring's retry-2000 container holds its record until the due time, as
    // coupon-server's does before it forwards to the DLT, so the dead letter can be read before that hop.
    const bool seen = listener.wait_until(
        [&](const auto& l) {
            return peer_events(l, "dlt").size() >= 1 && peer_events(l, "result").size() >= 3 &&
                   peer_events(l, "request", topics.issue).size() >= 3 &&
                   !peer_events(l, "request", topics.retry_1).empty() &&
                   !peer_events(l, "request", topics.retry_2).empty();
        },
        60s);
    const auto lines = listener.lines();
    CHECK(listener.stop() >= 0);
    INFO("server log:\n" << server.process->log());
    INFO("spring peer stderr:\n" << listener.errors());
    REQUIRE(seen);

    // coupon-server's issue records: Spring reads them as the seed's class (the __TypeId__ token is mapped).
    const auto main = peer_events(lines, "request", topics.issue);
    REQUIRE(main.size() == 3);
    for (const auto& r : main) {
        CHECK(text_of(r, "type") == kSpringRequestClass);
        CHECK(int_of(r, "couponPolicyId") == policy);
        CHECK(text_of(r, "key") == std::to_string(policy));
    }
    // The retry hops: Spring's retry containers read our attempts and due headers and hold each record until
    // the due time we wrote; only the refused user travels.
    const auto hop_1 = peer_events(lines, "request", topics.retry_1);
    const auto hop_2 = peer_events(lines, "request", topics.retry_2);
    REQUIRE(hop_1.size() == 1);
    REQUIRE(hop_2.size() == 1);
    for (const auto* hop : {&hop_1[0], &hop_2[0]}) {
        CHECK(text_of(*hop, "type") == kSpringRequestClass);
        CHECK(int_of(*hop, "userId") == kRefused);
        const std::int64_t due = hex_number(header_of(*hop, "retry_topic-backoff-timestamp", "hex"));
        INFO(text_of(*hop, "topic") << " due " << due << ", Spring received it at " << int_of(*hop, "receivedAt"));
        CHECK(due > 0);
        CHECK(int_of(*hop, "receivedAt") >= due);
    }
    CHECK(hex_number(header_of(hop_1[0], "retry_topic-attempts", "hex")) == 2);
    CHECK(hex_number(header_of(hop_2[0], "retry_topic-attempts", "hex")) == 3);

    // The dead letter reached the seed's @DltHandler, with the headers a DLT handler reads.
    const auto dead = peer_events(lines, "dlt");
    REQUIRE(dead.size() == 1);
    const auto& letter = dead[0];
    CHECK(text_of(letter, "topic") == topics.dlt);
    CHECK(text_of(letter, "type") == kSpringRequestClass);
    CHECK(int_of(letter, "userId") == kRefused);
    CHECK(header_of(letter, "kafka_original-topic") == topics.issue);
    CHECK(hex_number(header_of(letter, "kafka_original-partition", "hex")) == int_of(main[0], "partition"));
    CHECK(header_of(letter, "kafka_exception-fqcn") == "coupon.StoreError");
    CHECK(hex_number(header_of(letter, "retry_topic-attempts", "hex")) == 4);

    // coupon-server's results, read with the result class as the default type.
    const auto results = peer_events(lines, "result");
    REQUIRE(results.size() == 3);
    std::map<std::string, std::string> result_of;
    for (const auto& r : results) {
        CHECK(text_of(r, "type") == kSpringResultClass);
        CHECK(text_of(r, "key") == text_of(r, "requestId"));
        result_of[text_of(r, "requestId")] = text_of(r, "status");
    }
    CHECK(result_of[ids[8]] == "ISSUED");
    CHECK(result_of[ids[9]] == "ISSUED");
    CHECK(result_of[ids[kRefused]] == "FAILED");

    // Spring's own dead letter as the reference: the same listener failing a user of its own on topics of its
    // own (created by Spring's KafkaAdmin), so Spring's DeadLetterPublishingRecoverer writes every hop.
    const TestTopics own = unique_topics("spring-own");
    constexpr long long kFailing = 5;
    {
        SpringPeer reference(server.dir.path(), {"listen", kafka->bootstrap, own.issue, unique_group(own), "-",
                                                 std::to_string(kFailing), "120"});
        const bool reference_ready =
            reference.wait_until([](const auto& l) { return !peer_events(l, "ready").empty(); }, 90s);
        INFO("spring reference stderr at start:\n" << reference.errors());
        REQUIRE(reference_ready);
        SpringPeer producer(server.dir.path(), {"produce", kafka->bootstrap, own.issue, std::to_string(policy),
                                                std::to_string(kFailing), "1"});
        const int produced = producer.wait_exit(90s);
        INFO("spring producer stderr:\n" << producer.errors());
        REQUIRE(produced == 0);
        const bool dead_lettered =
            reference.wait_until([](const auto& l) { return !peer_events(l, "dlt").empty(); }, 60s);
        INFO("spring reference stderr:\n" << reference.errors());
        REQUIRE(dead_lettered);
        CHECK(reference.stop() >= 0);
    }
    const auto spring_dlt = read_topic_records(kafka->bootstrap, own.issue + "-dlt");
    const auto spring_hop = read_topic_records(kafka->bootstrap, own.issue + "-retry-1000");
    const auto our_dlt = read_topic_records(kafka->bootstrap, topics.dlt);
    const auto our_hop = read_topic_records(kafka->bootstrap, topics.retry_1);
    REQUIRE(spring_dlt.size() == 1);
    REQUIRE(spring_hop.size() == 1);
    REQUIRE(our_dlt.size() == 1);
    REQUIRE(our_hop.size() == 1);
    // Every header Spring writes, we write too, at a retry hop and in the DLT (values differ where they name
    // the failure: Spring's ListenerExecutionFailedException and its stack trace, our coupon.StoreError).
    for (const auto& [spring, ours, where] : {std::tuple{&spring_hop[0], &our_hop[0], "retry-1000"},
                                              std::tuple{&spring_dlt[0], &our_dlt[0], "DLT"}}) {
        const auto expected = header_names(*spring);
        const auto actual = header_names(*ours);
        std::set<std::string> missing;
        std::set_difference(expected.begin(), expected.end(), actual.begin(), actual.end(),
                            std::inserter(missing, missing.end()));
        WARN("Spring's headers at " << where << ": " << joined(expected));
        INFO("ours: " << joined(actual));
        CHECK(missing.empty());
        INFO("missing: " << joined(missing));
        // Binary headers: the same width as Spring's (4-byte and 8-byte ints; BigInteger timestamps).
        for (const char* name : {"kafka_original-partition", "kafka_original-offset", "kafka_original-timestamp",
                                 "retry_topic-attempts", "retry_topic-original-timestamp",
                                 "retry_topic-backoff-timestamp"}) {
            INFO(where << " " << name);
            if (spring->headers.count(name) && ours->headers.count(name)) {
                CHECK(spring->headers.at(name).size() == ours->headers.at(name).size());
            }
        }
        CHECK(ours->headers.at("kafka_original-timestamp-type") == spring->headers.at("kafka_original-timestamp-type"));
        CHECK(ours->headers.at("retry_topic-attempts") == spring->headers.at("retry_topic-attempts"));
    }
    CHECK(server.process->stop(SIGTERM) == 0);
}
