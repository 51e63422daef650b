// Non-blocking retries (DESIGN.md section 3): a database outage moves a batch through the retry topics on
// schedule, and either it succeeds there or it ends in the DLT as FAILED. Nothing lost, nothing issued twice.
#include <catch2/catch.hpp>

#include <cstdio>
#include <set>
#include <thread>

#include "coupon/messaging/message_codec.hpp"
#include "coupon/messaging/partitioner.hpp"
#include "failure_test_support.hpp"

using namespace coupon;
using namespace coupon::test;
using namespace std::chrono_literals;

namespace {

void check_one_outcome_each(KafkaFixture& f, const std::vector<std::string>& ids, const PublishedResults& published) {
    const auto state = f.store.snapshot();
    CHECK(state.results.size() == ids.size());  // the count of outcomes equals the count of accepted requests
    std::set<std::pair<domain::UserId, domain::PolicyId>> holders;
    for (const auto& [id, coupon] : state.coupons) CHECK(holders.insert({coupon.user_id, coupon.policy_id}).second);
    for (const auto& id : ids) {
        INFO(id);
        REQUIRE(state.results.count(id) == 1);
        const auto results = published.of(id);
        REQUIRE_FALSE(results.empty());
        for (const auto& r : results) CHECK(r.outcome == state.results.at(id).outcome);
    }
}

}  // namespace

TEST_CASE("retry: a failed batch goes to retry-1000 and succeeds there, never before its due time",
          "[retry][outage]") {
    KafkaFixture f(2);
    const domain::PolicyId policy = f.add_policy(10);
    PublishedResults published(f.config);
    auto dlt = f.make_dlt_consumer();
    // The first batch the main topic applies fails, and so does the probe that tells an outage from a record
    // the database refuses alone (issue_batch_handler.hpp): an outage, so the batch moves on to retry-1000.
    f.store.fail_next(2);
    const auto ids = submit_all(f, policy, 30, "short-");
    auto group = f.make_group();
    REQUIRE(published.wait_for(ids.size(), 40s));
    std::this_thread::sleep_for(300ms);  // a duplicate result would show up now

    check_one_outcome_each(f, ids, published);
    const auto state = f.store.snapshot();
    CHECK(state.coupons.size() == 10);
    CHECK(state.policies.at(policy).issued_quantity == 10);

    const auto retried = f.read_topic(f.config.topics.retry_1, 1);
    REQUIRE_FALSE(retried.empty());
    const auto main_records = f.read_topic(f.config.topics.issue, ids.size());
    std::map<std::int64_t, const RawRecord*> main_by_offset;
    for (const auto& r : main_records) main_by_offset[r.offset] = &r;
    std::int64_t min_gap = INT64_MAX;
    for (const auto& r : retried) {
        // Spring's headers: attempts counts deliveries so far (4-byte int), due time, original position.
        REQUIRE(r.headers.at("retry_topic-attempts").size() == 4);
        CHECK(java_number(r.headers.at("retry_topic-attempts")) == 2);
        CHECK(r.headers.at("kafka_original-topic") == f.config.topics.issue);
        REQUIRE(r.headers.at("kafka_original-partition").size() == 4);
        REQUIRE(r.headers.at("kafka_original-offset").size() == 8);
        CHECK(java_number(r.headers.at("kafka_original-partition")) == r.partition);
        const RawRecord* original = main_by_offset.at(java_number(r.headers.at("kafka_original-offset")));
        CHECK(original->value == r.value);  // the original record, byte for byte
        CHECK(original->key == r.key);
        CHECK(r.headers.at("__TypeId__") == "couponIssueRequest");
        CHECK(r.headers.at("kafka_exception-fqcn") == "coupon.StoreError");
        CHECK(r.headers.at("kafka_exception-message").find("injected failure") != std::string::npos);
        CHECK(r.headers.count("retry_topic-original-timestamp") == 1);
        // The rest of what Spring's @RetryableTopic writes at a hop (spring-kafka 4.1.2, seen on a real broker
        // by test/realkafka/spring_interop_test.cpp): the first record's timestamp and its type, the group
        // that failed, and the failure's cause and stack trace.
        REQUIRE(r.headers.at("kafka_original-timestamp").size() == 8);
        CHECK(java_number(r.headers.at("kafka_original-timestamp")) == original->timestamp);
        CHECK(java_number(r.headers.at("retry_topic-original-timestamp")) == original->timestamp);
        CHECK(r.headers.at("kafka_original-timestamp-type") == "CreateTime");
        CHECK(r.headers.at("kafka_dlt-original-consumer-group") == f.config.group_id);
        CHECK(r.headers.at("kafka_exception-cause-fqcn") == "coupon.StoreError");
        CHECK(r.headers.at("kafka_exception-stacktrace").rfind("coupon.StoreError: ", 0) == 0);
        const std::int64_t due = java_number(r.headers.at("retry_topic-backoff-timestamp"));
        auto decoded = messaging::decode_request(r.value, std::nullopt, {f.config.topics.issue, -1, -1});
        REQUIRE(decoded.value);
        const auto& result = state.results.at(decoded.value->request_id);
        const std::int64_t decided = result.decided_at.time_since_epoch().count();
        INFO(decoded.value->request_id);
        CHECK(decided >= due);  // never before its due time
        min_gap = std::min(min_gap, decided - (due - 1000));
    }
    std::printf("retry: %zu record(s) retried; failure -> retry processed: at least %lld ms (delay 1000 ms)\n",
                retried.size(), static_cast<long long>(min_gap));
    CHECK(min_gap >= 1000);
    CHECK(f.topic_size(f.config.topics.retry_2) == 0);
    CHECK(f.topic_size(f.config.topics.dlt) == 0);
    const std::int32_t p = messaging::partition_for_key(std::to_string(policy), 2);
    CHECK(wait_until([&] { return f.committed_offset(p) == 30; }, 10s));
    group->stop();
    dlt->stop();
}

TEST_CASE("retry: a long outage goes retry-1000 -> retry-2000 -> DLT, then FAILED is recorded and published",
          "[retry][outage][dlt]") {
    KafkaFixture f(2);
    const domain::PolicyId policy = f.add_policy(10);
    PublishedResults published(f.config);
    const auto dead_before = counter_value("coupon_dead_letters_total");
    auto group = f.make_group();
    auto dlt = f.make_dlt_consumer();
    REQUIRE(wait_until([&] { return group->assigned() && dlt->assigned(); }, 20s));
    f.store.set_down(true);  // unreachable: every record fails, the DLT consumer too
    const auto start = now_millis();
    const auto ids = submit_all(f, policy, 12, "long-");
    REQUIRE(wait_until([&] { return f.topic_size(f.config.topics.dlt) >= 12; }, 20s));
    const auto reached_dlt = now_millis() - start;
    // The DLT consumer keeps failing, retrying in place: a first attempt and at least two retries (100 ms,
    // then 200 ms of backoff) while nothing else is left to touch the store.
    const auto failures_at_dlt = counter_value("coupon_kafka_store_failures_total");
    REQUIRE(wait_until([&] { return counter_value("coupon_kafka_store_failures_total") >= failures_at_dlt + 3; }, 10s));
    CHECK(counter_value("coupon_dead_letters_total") == dead_before);
    CHECK(f.store.snapshot().dead_letters.empty());
    f.store.set_down(false);

    REQUIRE(published.wait_for(ids.size(), 30s));
    std::this_thread::sleep_for(300ms);
    check_one_outcome_each(f, ids, published);
    const auto state = f.store.snapshot();
    CHECK(state.coupons.empty());
    CHECK(state.policies.at(policy).issued_quantity == 0);
    for (const auto& id : ids) {
        INFO(id);
        CHECK(state.results.at(id).outcome == domain::Outcome::Failed);
        CHECK(published.of(id).at(0).outcome == domain::Outcome::Failed);
        CHECK(published.of(id).size() == 1);
    }
    REQUIRE(state.dead_letters.size() == ids.size());
    const auto main_records = f.read_topic(f.config.topics.issue, ids.size());
    std::set<std::int64_t> main_offsets;
    for (const auto& r : main_records) main_offsets.insert(r.offset);
    for (const auto& d : state.dead_letters) {
        REQUIRE(d.request);
        CHECK(d.topic == f.config.topics.dlt);
        CHECK(d.original_topic == f.config.topics.issue);
        CHECK(main_offsets.count(d.original_offset) == 1);  // the main record, not the retry topic's
        CHECK(d.error.find("unreachable") != std::string::npos);
    }
    CHECK(counter_value("coupon_dead_letters_total") - dead_before == static_cast<std::int64_t>(ids.size()));

    // The schedule: retry-2000 records were due 2 s after the retry-1000 failure, which was after its due time.
    const auto first = f.read_topic(f.config.topics.retry_1, ids.size());
    const auto second = f.read_topic(f.config.topics.retry_2, ids.size());
    const auto last = f.read_topic(f.config.topics.dlt, ids.size());
    REQUIRE(first.size() == ids.size());
    REQUIRE(second.size() == ids.size());
    std::map<std::string, std::int64_t> due_1;
    for (const auto& r : first) due_1[r.value] = java_number(r.headers.at("retry_topic-backoff-timestamp"));
    std::int64_t min_gap = INT64_MAX;
    for (const auto& r : second) {
        CHECK(java_number(r.headers.at("retry_topic-attempts")) == 3);
        CHECK(r.headers.at("kafka_original-topic") == f.config.topics.issue);  // kept from the first failure
        const std::int64_t gap = java_number(r.headers.at("retry_topic-backoff-timestamp")) - due_1.at(r.value);
        min_gap = std::min(min_gap, gap);
    }
    // Spring writes attempts + 1 at every hop, the DLT included: the DLT record says 4 after 3 deliveries.
    // The originals (first failure: main topic, main group) ride along unchanged; the DLT hop has a due
    // time too, the failure's own (Spring's DLT delay is 0).
    std::map<std::string, std::string> first_timestamp;
    for (const auto& r : first) first_timestamp[r.value] = r.headers.at("kafka_original-timestamp");
    for (const auto& r : last) {
        CHECK(java_number(r.headers.at("retry_topic-attempts")) == 4);
        CHECK(r.headers.at("kafka_original-topic") == f.config.topics.issue);
        CHECK(r.headers.at("kafka_original-timestamp") == first_timestamp.at(r.value));
        CHECK(r.headers.at("kafka_dlt-original-consumer-group") == f.config.group_id);
        REQUIRE(r.headers.count("retry_topic-backoff-timestamp") == 1);
        CHECK(java_number(r.headers.at("retry_topic-backoff-timestamp")) <= r.timestamp + 1000);
    }
    std::printf("retry: due(retry-2000) - due(retry-1000) >= %lld ms (delay 2000 ms); all in the DLT after %lld ms\n",
                static_cast<long long>(min_gap), static_cast<long long>(reached_dlt));
    CHECK(min_gap >= 2000);
    CHECK(reached_dlt >= 3000);
    group->stop();
    dlt->stop();
}
