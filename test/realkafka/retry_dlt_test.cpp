// Spring's non-blocking retries on real Kafka: a request the database refuses goes through retry-1000,
// retry-2000 and the DLT, each hop no earlier than the due time the previous one wrote, and ends FAILED.
#include <catch2/catch.hpp>

#include <csignal>
#include <cstdlib>
#include <optional>
#include <thread>

#include "e2e_fixture.hpp"
#include "real_kafka.hpp"

using namespace coupon::test;

namespace {

// retry_topic-backoff-timestamp: epoch milliseconds as Spring writes them (BigInteger.toByteArray: minimal
// big-endian two's complement), or as ASCII digits.
std::optional<std::int64_t> due_of(const KafkaRecord& r) {
    const auto it = r.headers.find("retry_topic-backoff-timestamp");
    if (it == r.headers.end() || it->second.empty()) return std::nullopt;
    const std::string& v = it->second;
    if (v.find_first_not_of("0123456789") == std::string::npos) return std::stoll(v);
    if (v.size() > 8) return std::nullopt;
    std::uint64_t u = (static_cast<unsigned char>(v[0]) & 0x80) ? ~std::uint64_t{0} : 0;
    for (char c : v) u = (u << 8) | static_cast<unsigned char>(c);
    return static_cast<std::int64_t>(u);
}

// The one record of `topic` that carries `request_id`.
std::vector<KafkaRecord> records_of(const RealKafka& kafka, const std::string& topic, const std::string& request_id) {
    std::vector<KafkaRecord> out;
    for (auto& r : read_topic_records(kafka.bootstrap, topic)) {
        if (r.value.find(request_id) != std::string::npos) out.push_back(std::move(r));
    }
    return out;
}

}  // namespace

TEST_CASE("realkafka: a request the database refuses passes retry-1000, retry-2000 and the DLT on their due times",
          "[realkafka]") {
    const auto kafka = cluster_or_skip();
    if (!kafka) return;
    const TestTopics topics = unique_topics("retry");
    RunningServer server(topics.env(*kafka));
    const std::int64_t policy = server.create_policy(10);
    constexpr long long kRefused = 7;
    server.database->refuse_coupons_of(kRefused);
    const std::string body = R"({"couponPolicyId":)" + std::to_string(policy) + "}";

    const auto refused = server.post("/api/coupons/" + std::to_string(kRefused), body, {{"Prefer", "respond-async"}});
    const auto other = server.post("/api/coupons/8", body, {{"Prefer", "respond-async"}});
    REQUIRE(refused.status == 202);
    REQUIRE(other.status == 202);
    const std::string id = str(json_of(refused), "requestId");
    const std::string other_id = str(json_of(other), "requestId");
    CHECK(final_status(server, other_id, 30) == "ISSUED");
    CHECK(final_status(server, id, 60) == "FAILED");

    // The hops as the cluster holds them, read with an independent consumer.
    const auto main = records_of(*kafka, topics.issue, id);
    const auto first = records_of(*kafka, topics.retry_1, id);
    const auto second = records_of(*kafka, topics.retry_2, id);
    std::vector<KafkaRecord> dead;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (dead.empty() && std::chrono::steady_clock::now() < deadline) {
        dead = records_of(*kafka, topics.dlt, id);
        if (dead.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    INFO("server log:\n" << server.process->log());
    REQUIRE(main.size() == 1);
    REQUIRE(first.size() == 1);
    REQUIRE(second.size() == 1);
    REQUIRE(dead.size() == 1);
    const auto due_1 = due_of(first[0]);
    const auto due_2 = due_of(second[0]);
    REQUIRE(due_1.has_value());
    REQUIRE(due_2.has_value());
    INFO("main " << main[0].timestamp_ms << ", retry-1000 " << first[0].timestamp_ms << " due " << *due_1
                 << ", retry-2000 " << second[0].timestamp_ms << " due " << *due_2 << ", DLT " << dead[0].timestamp_ms);
    // Each stage's record is due its delay after it was written, and the next hop is never earlier.
    CHECK(*due_1 - first[0].timestamp_ms >= 1000 - 50);
    CHECK(*due_2 - second[0].timestamp_ms >= 2000 - 50);
    CHECK(second[0].timestamp_ms >= *due_1);
    CHECK(dead[0].timestamp_ms >= *due_2);
    CHECK(dead[0].headers.count("kafka_original-topic") == 1);
    if (dead[0].headers.count("kafka_original-topic")) {
        CHECK(dead[0].headers.at("kafka_original-topic") == topics.issue);
    }
    WARN("hops on real Kafka (ms after the main record): retry-1000 +" << first[0].timestamp_ms - main[0].timestamp_ms
         << ", retry-2000 +" << second[0].timestamp_ms - main[0].timestamp_ms << ", DLT +"
         << dead[0].timestamp_ms - main[0].timestamp_ms);

    // The dead letter reached the database; nothing was issued to the refused user.
    const auto letters = json_of(server.get_admin("/api/admin/dead-letters"));
    CHECK(letters.at("items").as_array().size() == 1);
    CHECK(server.database->count("SELECT COUNT(*) FROM coupon WHERE user_id = 7") == 0);
    CHECK(server.database->count("SELECT COUNT(*) FROM coupon") == 1);
    CHECK(server.process->stop(SIGTERM) == 0);
}
