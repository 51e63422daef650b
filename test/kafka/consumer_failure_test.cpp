// The processing side when things go wrong: a crash between the database commit and the offset commit, and
// records that cannot be decoded.
#include <catch2/catch.hpp>

#include <atomic>
#include <set>

#include "coupon/messaging/kafka_request_sink.hpp"
#include "coupon/messaging/message_codec.hpp"
#include "coupon/messaging/partitioner.hpp"
#include "coupon/messaging/result_listener.hpp"
#include "failure_test_support.hpp"
#include "kafka_fixture.hpp"

using namespace coupon;
using namespace coupon::messaging;
using namespace coupon::test;
using namespace std::chrono_literals;

TEST_CASE("group: offsets are committed only after the database commit (crash in between)", "[group][crash]") {
    KafkaFixture f(1, 1);
    const domain::PolicyId policy = f.add_policy(20);
    const auto ids = submit_all(f, policy, 50, "crash-");

    std::atomic<int> hook_calls{0};
    IssueConsumerGroup::TestHooks hooks;
    hooks.after_db_commit = [&] {
        ++hook_calls;
        throw std::runtime_error("simulated crash");
    };
    auto first = f.make_group(hooks, KafkaFixture::Settle::No);
    REQUIRE(wait_until([&] { return hook_calls.load() > 0; }));
    first->stop();
    first.reset();
    const auto before = f.store.snapshot();
    REQUIRE_FALSE(before.results.empty());  // the database did commit
    CHECK(f.committed_offset(0) < 0);       // ... but no offset was committed

    std::mutex mutex;
    std::map<std::string, domain::IssueResult> published;
    ResultListener listener(f.config, [&](const domain::IssueResult& r) {
        std::lock_guard lock(mutex);
        published[r.request_id] = r;
    });
    listener.start();
    auto second = f.make_group();
    REQUIRE(wait_until([&] {
        std::lock_guard lock(mutex);
        return published.size() == ids.size();
    }));
    const auto after = f.store.snapshot();
    // The re-read batch changed nothing: same coupons, same outcomes, nobody ALREADY_ISSUED for their own.
    CHECK(after.coupons.size() == 20);
    CHECK(after.policies.at(policy).issued_quantity == 20);
    std::lock_guard lock(mutex);
    for (const auto& [id, result] : before.results) {
        INFO(id);
        CHECK(after.results.at(id).outcome == result.outcome);
        CHECK(after.results.at(id).coupon_id == result.coupon_id);
        CHECK(published.at(id).outcome == result.outcome);  // re-published by the new member
        CHECK(published.at(id).coupon_id == result.coupon_id);
    }
    for (const auto& [id, coupon] : before.coupons) CHECK(after.coupons.at(id).request_id == coupon.request_id);
    CHECK(wait_until([&] { return f.committed_offset(0) == 50; }));
    second->stop();
    listener.stop();
}

// A database outage is covered by retry_test.cpp: failed batches travel through the retry topics.

TEST_CASE("group: a poison record goes to the DLT with Spring's headers and the partition keeps moving",
          "[group][poison]") {
    KafkaFixture f(2);
    const domain::PolicyId policy = f.add_policy(10);
    const std::string key = std::to_string(policy);
    const std::string& topic = f.config.topics.issue;
    const std::map<std::string, std::string> type{{"__TypeId__", "couponIssueRequest"}};
    const auto good1 = f.produce_raw(topic, key, encode_request(make_request(1, policy, "good-1")), type);
    const auto bad1 = f.produce_raw(topic, key, "{not json", type);
    const auto bad2 = f.produce_raw(topic, key, R"({"userId":0,"couponPolicyId":7})", type);
    // The seed's own record: no requestId, full class name as type.
    const auto spring = f.produce_raw(topic, key, R"({"userId":3,"couponPolicyId":)" + key + "}",
                                      {{"__TypeId__", std::string(kRequestClassName)}});
    const auto good2 = f.produce_raw(topic, key, encode_request(make_request(2, policy, "good-2")), type);
    const auto poison_before = counter_value("coupon_kafka_poison_records_total");

    auto group = f.make_group();
    const std::string spring_id =
        derived_request_id({topic, spring.partition, spring.offset, spring.timestamp, key}, spring.value);
    const bool all = wait_until([&] {
        const auto s = f.store.snapshot();
        return s.results.count("good-1") && s.results.count("good-2") && s.results.count(spring_id);
    });
    std::string ids;
    for (const auto& [id, r] : f.store.snapshot().results) ids += id + " ";
    INFO("expected " << spring_id << ", stored " << ids);
    REQUIRE(all);
    CHECK(f.store.snapshot().results.size() == 3);
    CHECK(f.store.snapshot().results.at(spring_id).outcome == domain::Outcome::Issued);
    CHECK(wait_until([&] { return f.committed_offset(good2.partition) == good2.offset + 1; }));
    CHECK(counter_value("coupon_kafka_poison_records_total") - poison_before == 2);

    const auto dead = f.read_topic(f.config.topics.dlt, 2);
    REQUIRE(dead.size() == 2);
    const RawRecord* bads[] = {&bad1, &bad2};
    for (std::size_t i = 0; i < 2; ++i) {
        const RawRecord& d = dead[i];
        const RawRecord& original = *bads[i];
        INFO(i);
        CHECK(d.key == key);
        CHECK(d.value == original.value);
        CHECK(d.partition == original.partition);
        CHECK(d.headers.at("__TypeId__") == "couponIssueRequest");
        CHECK(d.headers.at("kafka_original-topic") == topic);
        const std::string part = d.headers.at("kafka_original-partition");
        REQUIRE(part.size() == 4);
        CHECK(((static_cast<unsigned char>(part[0]) << 24) | (static_cast<unsigned char>(part[1]) << 16) |
               (static_cast<unsigned char>(part[2]) << 8) | static_cast<unsigned char>(part[3])) == original.partition);
        const std::string off = d.headers.at("kafka_original-offset");
        REQUIRE(off.size() == 8);
        std::int64_t offset = 0;
        for (char c : off) offset = (offset << 8) | static_cast<unsigned char>(c);
        CHECK(offset == original.offset);
        CHECK_FALSE(d.headers.at("kafka_exception-fqcn").empty());
        CHECK_FALSE(d.headers.at("kafka_exception-message").empty());
    }
    group->stop();
}
