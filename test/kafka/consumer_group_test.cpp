// The processing side in the normal case: order within a partition, results published for every request,
// every record reaching a worker through the partition forwarding.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <set>
#include <thread>

#include "coupon/base/metrics.hpp"
#include "coupon/messaging/kafka_request_sink.hpp"
#include "coupon/messaging/message_codec.hpp"
#include "coupon/messaging/partitioner.hpp"
#include "coupon/messaging/result_listener.hpp"
#include "kafka_fixture.hpp"
#include "result_publisher.hpp"

using namespace coupon;
using namespace coupon::messaging;
using namespace coupon::test;
using namespace std::chrono_literals;

TEST_CASE("group: within a partition requests win in offset order (first 100 distinct users)", "[group]") {
    KafkaFixture f(2);
    const domain::PolicyId policy = f.add_policy(100);
    VerdictCollector verdicts;
    KafkaRequestSink sink(f.config);
    sink.start();
    constexpr int kRequests = 500;
    for (int i = 0; i < kRequests; ++i) {
        // Users repeat (user = i % 230 + 1 for some), so "distinct" matters.
        const domain::UserId user = (i * 7) % 230 + 1;
        const std::string id = "ord-" + std::to_string(i);
        sink.submit(make_request(user, policy, id), verdicts.expect(id));
    }
    REQUIRE(verdicts.wait_all(kRequests));
    for (const auto& [id, status] : verdicts.verdicts()) REQUIRE(status == domain::AcceptStatus::Accepted);

    auto group = f.make_group();
    REQUIRE(wait_until([&] { return f.store.snapshot().results.size() == kRequests; }));

    // Expected winners from the topic itself, in offset order.
    const auto records = f.read_topic(f.config.topics.issue, kRequests);
    REQUIRE(records.size() == kRequests);
    std::vector<domain::UserId> winners;
    std::set<domain::UserId> seen;
    std::map<std::string, domain::Outcome> expected;
    for (const auto& r : records) {
        auto req = decode_request(r.value, std::nullopt, {f.config.topics.issue, r.partition, r.offset});
        REQUIRE(req.value);
        const bool fresh = seen.insert(req.value->user_id).second;
        if (fresh && winners.size() < 100) {
            winners.push_back(req.value->user_id);
            expected[req.value->request_id] = domain::Outcome::Issued;
        } else if (!fresh && std::find(winners.begin(), winners.end(), req.value->user_id) != winners.end()) {
            expected[req.value->request_id] = domain::Outcome::AlreadyIssued;
        } else {
            expected[req.value->request_id] = domain::Outcome::SoldOut;
        }
    }
    const auto state = f.store.snapshot();
    std::set<domain::UserId> holders;
    for (const auto& [id, coupon] : state.coupons) holders.insert(coupon.user_id);
    CHECK(holders == std::set<domain::UserId>(winners.begin(), winners.end()));
    CHECK(state.coupons.size() == 100);
    CHECK(state.policies.at(policy).issued_quantity == 100);
    for (const auto& [id, outcome] : expected) {
        INFO(id);
        CHECK(state.results.at(id).outcome == outcome);
    }
    // Offsets committed up to the end once the batch is durable.
    const std::int32_t p = records.front().partition;
    CHECK(wait_until([&] { return f.committed_offset(p) == kRequests; }));
    CHECK(group->assigned());
    group->stop();
    CHECK_FALSE(group->assigned());
    sink.stop();
}

TEST_CASE("group: one result per request is published and seen by the result listener", "[group]") {
    KafkaFixture f(3);
    const domain::PolicyId p1 = f.add_policy(5);
    const domain::PolicyId p2 = f.add_policy(1000);
    std::mutex mutex;
    std::map<std::string, std::vector<domain::IssueResult>> seen;
    ResultListener listener(f.config, [&](const domain::IssueResult& r) {
        std::lock_guard lock(mutex);
        seen[r.request_id].push_back(r);
    });
    listener.start();
    // A result nobody can decode is logged and skipped; the listener keeps going.
    f.produce_raw(f.config.topics.results, "junk", "{not a result", {});
    auto group = f.make_group();
    VerdictCollector verdicts;
    KafkaRequestSink sink(f.config);
    sink.start();
    constexpr int kRequests = 60;
    for (int i = 0; i < kRequests; ++i) {
        const std::string id = "res-" + std::to_string(i);
        sink.submit(make_request(i % 20 + 1, i % 2 ? p1 : p2, id), verdicts.expect(id));
    }
    REQUIRE(verdicts.wait_all(kRequests));
    REQUIRE(wait_until([&] {
        std::lock_guard lock(mutex);
        return seen.size() == kRequests;
    }));
    std::this_thread::sleep_for(300ms);  // a duplicate would show up now
    const auto state = f.store.snapshot();
    std::lock_guard lock(mutex);
    for (const auto& [id, results] : seen) {
        INFO(id);
        REQUIRE(results.size() == 1);
        const auto& stored = state.results.at(id);
        CHECK(results[0].outcome == stored.outcome);
        CHECK(results[0].coupon_id == stored.coupon_id);
        CHECK(results[0].user_id == stored.user_id);
    }
    std::size_t issued_p1 = 0;
    for (const auto& [id, results] : seen) issued_p1 += results[0].policy_id == p1 && results[0].outcome == domain::Outcome::Issued;
    CHECK(issued_p1 == 5);
    group->stop();
    sink.stop();
    listener.stop();
}

TEST_CASE("group: consumer lag is exported per owned partition under kafka_exporter's name, and dropped on revoke",
          "[group][metrics]") {
    KafkaFixture f(2);
    f.config.consumer["statistics.interval.ms"] = "100";
    const domain::PolicyId policy = f.add_policy(1000);
    VerdictCollector verdicts;
    KafkaRequestSink sink(f.config);
    sink.start();
    constexpr int kRequests = 50;
    for (int i = 0; i < kRequests; ++i) {
        const std::string id = "lag-" + std::to_string(i);
        sink.submit(make_request(i + 1, policy, id), verdicts.expect(id));
    }
    REQUIRE(verdicts.wait_all(kRequests));
    const std::int32_t hot = f.read_topic(f.config.topics.issue, 1).at(0).partition;

    auto group = f.make_group();
    REQUIRE(wait_until([&] { return f.committed_offset(hot) == kRequests; }));
    const std::string series = fmt::format(R"(kafka_consumergroup_lag{{consumergroup="{}",topic="{}",partition="{}"}})",
                                           f.config.group_id, f.config.topics.issue, hot);
    // Everything committed: the owner reports 0 for it (high watermark - committed offset).
    CHECK(wait_until([&] { return base::Metrics::global().render().find(series + " 0\n") != std::string::npos; }, 10s));
    group->stop();  // every partition revoked: no member of this node owns it any more
    CHECK(base::Metrics::global().render().find(series) == std::string::npos);
    sink.stop();
}

TEST_CASE("group: a decided batch's results share one partition of the result topic, keyed by request id", "[group]") {
    // One record set a decided batch (ResultPublisher::append_result_records): results keyed by request id but
    // spread by it made about ten small sets a transaction, which the embedded broker walks on every fetch; by
    // policy, a batch of ten hot policies still made ten.
    KafkaFixture f(10);
    const domain::PolicyId first = f.add_policy(100);
    domain::PolicyId second = f.add_policy(100);
    while (partition_for_key(std::to_string(second), 10) == partition_for_key(std::to_string(first), 10)) {
        second = f.add_policy(100);
    }
    VerdictCollector verdicts;
    KafkaRequestSink sink(f.config);
    sink.start();
    constexpr int kEach = 20;
    for (int i = 0; i < kEach; ++i) {
        for (const domain::PolicyId policy : {first, second}) {
            const std::string id = fmt::format("part-{}-{}", policy, i);
            sink.submit(make_request(i + 1, policy, id), verdicts.expect(id));
        }
    }
    REQUIRE(verdicts.wait_all(2 * kEach));
    auto group = f.make_group();
    REQUIRE(wait_until([&] { return f.store.snapshot().results.size() == 2 * kEach; }));

    const auto results = f.read_topic(f.config.topics.results, 2 * kEach);
    REQUIRE(results.size() == 2 * kEach);
    for (const RawRecord& r : results) {
        INFO(r.key);
        const domain::PolicyId policy = r.key.rfind(fmt::format("part-{}-", first), 0) == 0 ? first : second;
        CHECK(r.key.rfind(fmt::format("part-{}-", policy), 0) == 0);  // the key is still the request id
        // The partition of the first policy of its batch: one of the two, whichever led the batch.
        const bool of_a_policy = r.partition == partition_for_key(std::to_string(first), 10) ||
                                 r.partition == partition_for_key(std::to_string(second), 10);
        CHECK(of_a_policy);
    }
    sink.stop();

    // Which batch led is the broker's timing; the records of a batch mixing both policies, as the running
    // publisher makes them (it read the topic's 10 partitions at start), all go to its first policy's.
    auto result_of = [](domain::PolicyId policy, const char* id) {
        domain::IssueResult r;
        r.request_id = id;
        r.policy_id = policy;
        r.outcome = domain::Outcome::Issued;
        return r;
    };
    const auto publisher = start_publisher(f.config);
    std::vector<OutRecord> records;
    publisher->append_result_records({result_of(second, "m-1"), result_of(first, "m-2"), result_of(first, "m-3")},
                                     records);
    REQUIRE(records.size() == 3);
    for (const OutRecord& r : records) {
        INFO(r.key);
        CHECK(r.topic == f.config.topics.results);
        CHECK(r.partition == partition_for_key(std::to_string(second), 10));
    }
    CHECK(records[1].key == "m-2");
    CHECK(ResultPublisher::batch_partition({result_of(first, "a"), result_of(second, "b")}, 10) ==
          partition_for_key(std::to_string(first), 10));
    CHECK(ResultPublisher::batch_partition({}, 10) == RD_KAFKA_PARTITION_UA);
    CHECK(ResultPublisher::batch_partition({result_of(first, "a")}, 0) == RD_KAFKA_PARTITION_UA);
}
