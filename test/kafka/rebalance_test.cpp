// Partitions moving between members while requests flow: every assign/revoke is handled for both
// rebalance protocols, no partition is processed by a member that lost it, nothing is lost or doubled.
#include <catch2/catch.hpp>

#include <thread>

#include "coupon/messaging/kafka_request_sink.hpp"
#include "kafka_fixture.hpp"

using namespace coupon;
using namespace coupon::messaging;
using namespace coupon::test;
using namespace std::chrono_literals;

TEST_CASE("group: partitions move between two members without loss or over-issuance", "[group][rebalance]") {
    const std::string strategy = GENERATE(std::string("cooperative-sticky"), std::string("range"));
    INFO(strategy);
    KafkaFixture f(4);
    f.config.consumer["partition.assignment.strategy"] = strategy;
    // The mock holds every join/leave in a running group for session.timeout.ms - 1 s: keep it short here.
    f.config.consumer["session.timeout.ms"] = "3000";
    f.config.consumer["heartbeat.interval.ms"] = "500";
    std::vector<domain::PolicyId> policies;
    for (int i = 0; i < 8; ++i) policies.push_back(f.add_policy(25));

    VerdictCollector verdicts;
    KafkaRequestSink sink(f.config);
    sink.start();
    std::atomic<int> sent{0};
    std::atomic<bool> producing{true};
    std::thread producer([&] {
        for (int i = 0; producing.load(); ++i) {
            const std::string id = "rb-" + std::to_string(i);
            sink.submit(make_request(i % 60 + 1, policies[static_cast<std::size_t>(i) % policies.size()], id),
                        verdicts.expect(id));
            ++sent;
            std::this_thread::sleep_for(2ms);
        }
    });

    auto a = f.make_group();
    REQUIRE(wait_until([&] { return a->owned_partitions().size() == 4; }));
    auto b = f.make_group();
    REQUIRE(wait_until([&] { return !b->owned_partitions().empty() && a->owned_partitions().size() < 4; }));
    // Never both owning one partition once the rebalance settled.
    REQUIRE(wait_until([&] { return a->owned_partitions().size() + b->owned_partitions().size() == 4; }));
    for (std::int32_t p : a->owned_partitions()) {
        const auto theirs = b->owned_partitions();
        CHECK(std::find(theirs.begin(), theirs.end(), p) == theirs.end());
    }
    a->stop();  // leaves the group: B takes everything
    REQUIRE(wait_until([&] { return b->owned_partitions().size() == 4; }));
    producing = false;
    producer.join();
    REQUIRE(verdicts.wait_all(static_cast<std::size_t>(sent.load())));

    std::vector<std::string> accepted;
    for (const auto& [id, status] : verdicts.verdicts()) {
        if (status == domain::AcceptStatus::Accepted) accepted.push_back(id);
    }
    REQUIRE(accepted.size() == static_cast<std::size_t>(sent.load()));
    REQUIRE(wait_until([&] {
        const auto s = f.store.snapshot();
        for (const auto& id : accepted) {
            if (!s.results.count(id)) return false;
        }
        return true;
    }));
    const auto state = f.store.snapshot();
    CHECK(state.results.size() == accepted.size());
    for (const domain::PolicyId p : policies) {
        std::int64_t issued = 0;
        for (const auto& [id, c] : state.coupons) issued += c.policy_id == p;
        CHECK(issued == state.policies.at(p).issued_quantity);
        CHECK(issued <= 25);
    }
    b->stop();
    sink.stop();
}
