// A retry topic's consumer never processes a record before its due time, and waiting for one partition
// does not hold up another (pause/resume). Time comes from a clock the test moves, so nothing here sleeps to
// see time pass; the sleeps only give a wrong implementation the chance to misbehave.
#include <catch2/catch.hpp>

#include <thread>

#include "coupon/messaging/message_codec.hpp"
#include "coupon/messaging/partitioner.hpp"
#include "failure_test_support.hpp"

using namespace coupon;
using namespace coupon::test;
using namespace std::chrono_literals;

namespace {

std::map<std::string, std::string> retry_headers(std::int64_t due_millis) {
    return {{"__TypeId__", "couponIssueRequest"},
            {"retry_topic-attempts", std::string("\0\0\0\2", 4)},
            {"retry_topic-backoff-timestamp", java_bytes(due_millis)}};
}

// A key that lands on `partition` of a 2-partition topic, for policy ids 1..n.
domain::PolicyId policy_on(KafkaFixture& f, std::int32_t partition) {
    for (;;) {
        const domain::PolicyId id = f.add_policy(100);
        if (messaging::partition_for_key(std::to_string(id), 2) == partition) return id;
    }
}

}  // namespace

TEST_CASE("retry timing: a record waits for its due time without blocking another partition", "[retry][timing]") {
    KafkaFixture f(2);
    ManualClock clock(domain::SystemClock().now());  // the producer stamps records with the real time
    const domain::PolicyId on_a = policy_on(f, 0);
    const domain::PolicyId on_b = policy_on(f, 1);
    const std::string& topic = f.config.topics.retry_1;
    const std::int64_t now = clock.now().time_since_epoch().count();
    // Partition A: a record due in 60 s, then one that is due already (it must still wait behind the first).
    const auto late = f.produce_raw(topic, std::to_string(on_a), messaging::encode_request(make_request(1, on_a, "a-late")),
                                    retry_headers(now + 60000));
    const auto behind = f.produce_raw(topic, std::to_string(on_a),
                                      messaging::encode_request(make_request(2, on_a, "a-behind")), retry_headers(now));
    REQUIRE(late.partition == 0);
    REQUIRE(behind.partition == 0);
    auto group = f.make_group_with_clock(clock);
    // Partition B: due now; processed while A waits.
    const auto fresh = f.produce_raw(topic, std::to_string(on_b), messaging::encode_request(make_request(3, on_b, "b-due")),
                                     retry_headers(now - 1));
    REQUIRE(fresh.partition == 1);
    REQUIRE(wait_until([&] { return f.store.snapshot().results.count("b-due") == 1; }, 20s));
    // Another record on B, produced while A is paused, still flows.
    f.produce_raw(topic, std::to_string(on_b), messaging::encode_request(make_request(4, on_b, "b-later")),
                  retry_headers(now));
    REQUIRE(wait_until([&] { return f.store.snapshot().results.count("b-later") == 1; }, 10s));
    std::this_thread::sleep_for(1500ms);
    {
        const auto state = f.store.snapshot();
        CHECK(state.results.count("a-late") == 0);    // not due on the test's clock
        CHECK(state.results.count("a-behind") == 0);  // due, but behind a record that is not
    }
    const std::string retry_group = f.config.group_id + "-retry-1000";
    CHECK(f.committed_offset(retry_group, topic, 0) < 0);  // nothing of A committed while it waits

    clock.advance(59000ms);
    std::this_thread::sleep_for(800ms);
    CHECK(f.store.snapshot().results.count("a-late") == 0);  // 1 s before its due time: still waiting
    clock.advance(1000ms);
    REQUIRE(wait_until([&] { return f.store.snapshot().results.count("a-behind") == 1; }, 10s));
    const auto state = f.store.snapshot();
    REQUIRE(state.results.count("a-late") == 1);
    CHECK(state.results.at("a-late").decided_at.time_since_epoch().count() >= now + 60000);
    CHECK(state.results.at("a-late").outcome == domain::Outcome::Issued);
    CHECK(state.results.at("a-behind").outcome == domain::Outcome::Issued);
    // In partition order: a-late took coupon 3 or later, after both of B's, and before a-behind.
    CHECK(*state.results.at("a-late").coupon_id < *state.results.at("a-behind").coupon_id);
    CHECK(*state.results.at("b-later").coupon_id < *state.results.at("a-late").coupon_id);
    CHECK(wait_until([&] { return f.committed_offset(retry_group, topic, 0) == behind.offset + 1; }, 10s));
    CHECK(wait_until([&] { return f.committed_offset(retry_group, topic, 1) >= fresh.offset + 2; }, 10s));
    group->stop();
}
