// The broker misbehaving while requests move through the retry path (librdkafka mock fault injection):
// retriable Produce errors and the broker going down and up. Nothing may be lost or issued twice.
#include <catch2/catch.hpp>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <cstdio>
#include <set>
#include <thread>

#include "coupon/messaging/kafka_request_sink.hpp"
#include "failure_test_support.hpp"

using namespace coupon;
using namespace coupon::test;
using namespace std::chrono_literals;

namespace {

constexpr std::int16_t kProduceApi = 0;

}  // namespace

TEST_CASE("broker faults: Produce errors and a broker outage during retries lose and double nothing",
          "[retry][faults]") {
    KafkaFixture f(2);
    // The mock checks no sequence numbers without a transactional.id: when an injected error fails one
    // Produce request while a later one for the same partition succeeds, librdkafka acks the failed records
    // implicitly although the mock never stored them (a real broker refuses the out-of-order batch; see
    // produce_fault_test.cpp). One request in flight keeps this test about our code, not that quirk.
    f.config.producer["max.in.flight.requests.per.connection"] = "1";
    const auto retried_before = counter_value("coupon_kafka_retried_records_total");
    const domain::PolicyId p1 = f.add_policy(15);
    const domain::PolicyId p2 = f.add_policy(15);
    PublishedResults published(f.config);
    rd_kafka_mock_cluster_t* mock = f.broker->mock_cluster();
    VerdictCollector verdicts;
    messaging::KafkaRequestSink sink(f.config);
    sink.start();
    std::vector<std::string> ids;
    auto submit = [&](int from, int to) {
        for (int i = from; i < to; ++i) {
            ids.push_back("fault-" + std::to_string(i));
            sink.submit(make_request(i % 25 + 1, i % 2 ? p1 : p2, ids.back()), verdicts.expect(ids.back()));
            std::this_thread::sleep_for(5ms);
        }
    };
    submit(0, 30);
    REQUIRE(verdicts.wait_all(30, 30s));

    // The database is down until something was forwarded: every first batch and its outage probe fail, so
    // they go to retry-1000. (fail_next(2) was not enough: the two policies may sit on two partitions, and
    // when both members took a first batch at once, each consumed one failure, each probe passed, and the
    // batches were split as refused content instead of forwarded.)
    f.store.set_down(true);
    // The next Produce requests (the consumers' forwards to retry-1000 and their results) meet retriable
    // errors. Pushed before the consumers start, so they hit the retry path, not the front end's producer.
    const rd_kafka_resp_err_t errors[] = {RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
                                          RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
                                          RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
                                          RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE};
    rd_kafka_mock_push_request_errors_array(mock, kProduceApi, std::size(errors), errors);
    auto group = f.make_group();
    auto dlt = f.make_dlt_consumer();
    REQUIRE(wait_until([&] { return counter_value("coupon_kafka_retried_records_total") > retried_before; }, 30s));
    f.store.set_down(false);  // back before the forwarded records are due (1 s)
    // While those wait in retry-1000: the broker goes away for 2 s and comes back; requests keep coming.
    rd_kafka_mock_broker_set_down(mock, 1);
    std::thread more([&] { submit(30, 60); });
    std::this_thread::sleep_for(2s);
    rd_kafka_mock_broker_set_up(mock, 1);
    more.join();
    REQUIRE(verdicts.wait_all(ids.size(), 60s));
    std::size_t accepted = 0;
    for (const auto& [id, status] : verdicts.verdicts()) accepted += status == domain::AcceptStatus::Accepted;
    CHECK(accepted == ids.size());
    CHECK(f.topic_size(f.config.topics.issue) >= static_cast<std::int64_t>(accepted));  // the front end lost nothing

    const bool all_published = published.wait_for(accepted, 60s);
    INFO("decided " << f.store.snapshot().results.size() << ", published " << published.distinct() << " of "
                    << accepted);
    if (!all_published) {
        const auto state = f.store.snapshot();
        for (const auto& id : ids) {
            if (!state.results.count(id)) std::printf("missing %s\n", id.c_str());
        }
        for (const auto& topic : {f.config.topics.issue, f.config.topics.retry_1}) {
            for (const auto& r : f.read_topic(topic, 1000)) {
                if (r.value.find("\"fault-") != std::string::npos) {
                    std::printf("%s p%d o%lld %s\n", topic.c_str(), r.partition, static_cast<long long>(r.offset),
                                r.value.c_str());
                }
            }
        }
        for (int p = 0; p < 2; ++p) {
            std::printf("committed main p%d=%lld retry p%d=%lld\n", p, static_cast<long long>(f.committed_offset(p)), p,
                        static_cast<long long>(f.committed_offset(f.config.group_id + "-retry-1000", f.config.topics.retry_1, p)));
        }
    }
    REQUIRE(all_published);
    std::this_thread::sleep_for(500ms);
    const auto state = f.store.snapshot();
    CHECK(state.results.size() == accepted);  // one outcome per accepted request
    std::set<std::pair<domain::UserId, domain::PolicyId>> holders;
    for (const auto& [id, coupon] : state.coupons) CHECK(holders.insert({coupon.user_id, coupon.policy_id}).second);
    std::size_t issued = 0;
    for (const auto& id : ids) {
        INFO(id);
        REQUIRE(state.results.count(id) == 1);
        issued += state.results.at(id).outcome == domain::Outcome::Issued;
        CHECK(state.results.at(id).outcome != domain::Outcome::Failed);
        for (const auto& r : published.of(id)) {
            CHECK(r.outcome == state.results.at(id).outcome);  // a re-published result never disagrees
            CHECK(r.coupon_id == state.results.at(id).coupon_id);
        }
    }
    CHECK(issued == state.coupons.size());
    CHECK(state.policies.at(p1).issued_quantity + state.policies.at(p2).issued_quantity ==
          static_cast<std::int64_t>(state.coupons.size()));
    CHECK(state.policies.at(p1).issued_quantity <= 15);
    CHECK(state.policies.at(p2).issued_quantity <= 15);
    CHECK(f.topic_size(f.config.topics.retry_1) >= 1);  // the retry path was really taken
    sink.stop();
    group->stop();
    dlt->stop();
}
