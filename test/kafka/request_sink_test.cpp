// The front end's producer: what it promises (Accepted only after acks=all) and what lands on the wire.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <catch2/catch.hpp>

#include <atomic>

#include "coupon/messaging/issue_topic_reader.hpp"
#include "coupon/messaging/kafka_request_sink.hpp"
#include "coupon/messaging/message_codec.hpp"
#include "coupon/messaging/partitioner.hpp"
#include "kafka_fixture.hpp"

using namespace coupon;
using namespace coupon::messaging;
using namespace coupon::test;
using namespace std::chrono_literals;

TEST_CASE("sink: an accepted request is on the issue topic with key, Java partition and type header", "[sink]") {
    KafkaFixture f(10);
    KafkaRequestSink sink(f.config);
    sink.start();
    const auto request = make_request(42, 7, "req-accepted");
    const Verdict v = submit_and_wait(sink, request);
    REQUIRE(v.status == domain::AcceptStatus::Accepted);

    const auto records = f.read_topic(f.config.topics.issue, 1);
    REQUIRE(records.size() == 1);
    const RawRecord& r = records[0];
    CHECK(r.key == "7");
    CHECK(r.partition == partition_for_key("7", 10));
    CHECK(r.partition == rd_kafka_msg_partitioner_murmur2_random(nullptr, "7", 1, 10, nullptr, nullptr));
    CHECK(r.headers.at("__TypeId__") == "couponIssueRequest");
    auto decoded = decode_request(r.value, r.headers.at("__TypeId__"), {f.config.topics.issue, r.partition, r.offset});
    REQUIRE(decoded.value);
    CHECK(decoded.value->request_id == "req-accepted");
    CHECK(decoded.value->user_id == 42);
    CHECK(decoded.value->requested_at == request.requested_at);
    sink.stop();
}

TEST_CASE("sink: an accepted request's place is reported and the issue topic holds it there for any reader",
          "[sink]") {
    KafkaFixture f(10);
    KafkaRequestSink sink(f.config);
    sink.start();
    const Verdict first = submit_and_wait(sink, make_request(42, 7, "req-placed-1"));
    const Verdict second = submit_and_wait(sink, make_request(43, 7, "req-placed-2"));
    REQUIRE(first.status == domain::AcceptStatus::Accepted);
    REQUIRE(second.status == domain::AcceptStatus::Accepted);
    REQUIRE(first.where.known());
    CHECK(first.where.partition == partition_for_key("7", 10));
    CHECK(second.where.partition == first.where.partition);
    CHECK(second.where.offset == first.where.offset + 1);
    const auto records = f.read_topic(f.config.topics.issue, 2);
    REQUIRE(records.size() == 2);
    CHECK(records[0].offset == first.where.offset);

    using Answer = domain::StoredRequests::Answer;
    IssueTopicReader reader(f.config);  // a reader of its own, as another node would have
    CHECK(reader.holds("req-placed-1", first.where) == Answer::Holds);
    CHECK(reader.holds("req-placed-2", second.where) == Answer::Holds);
    CHECK(reader.holds("req-placed-1", first.where) == Answer::Holds);  // remembered
    // The policy of a record found there (likelySoldOut of a PENDING answer); none for a place not confirmed.
    CHECK(reader.policy_at("req-placed-1", first.where) == std::optional<coupon::domain::PolicyId>(7));
    CHECK_FALSE(reader.policy_at("req-placed-2", first.where));
    CHECK(reader.holds("req-placed-2", first.where) == Answer::DoesNotHold);       // another request there
    CHECK(reader.holds("req-placed-1", {first.where.partition, 2}) == Answer::DoesNotHold);  // beyond the end
    CHECK(reader.holds("req-placed-1", {(first.where.partition + 1) % 10, 0}) == Answer::DoesNotHold);  // empty
    CHECK(reader.holds("req-placed-1", {10, 0}) == Answer::DoesNotHold);  // no such partition
    sink.stop();
}

namespace {

// A started sink whose records time out after 1.5 s, warmed up with one accepted request.
struct ShortTimeoutSink {
    KafkaFixture f{2};
    std::unique_ptr<KafkaRequestSink> sink;
    ShortTimeoutSink() {
        f.config.producer["delivery.timeout.ms"] = "1500";
        f.config.producer["request.timeout.ms"] = "1000";
        sink = std::make_unique<KafkaRequestSink>(f.config);
        sink->start();
        REQUIRE(submit_and_wait(*sink, make_request(1, 7, "warm-up")).status == domain::AcceptStatus::Accepted);
    }
};

}  // namespace

TEST_CASE("sink: a broker that stores nothing gives Unavailable, never Accepted", "[sink]") {
    ShortTimeoutSink t;
    KafkaFixture& f = t.f;
    KafkaRequestSink& sink = *t.sink;
    rd_kafka_mock_broker_set_down(f.broker->mock_cluster(), 1);
    const Verdict v = submit_and_wait(sink, make_request(2, 7, "while-down"));
    CHECK(v.status == domain::AcceptStatus::Unavailable);
    CHECK_FALSE(v.detail.empty());
    // The broker's reason, not the record: a delivery report's payload is the record's value (read as a C
    // string it was the request's JSON, then whatever memory followed it).
    CHECK(v.detail.find("while-down") == std::string::npos);
    CHECK(v.detail == std::string("_MSG_TIMED_OUT: ") + rd_kafka_err2str(RD_KAFKA_RESP_ERR__MSG_TIMED_OUT));
    rd_kafka_mock_broker_set_up(f.broker->mock_cluster(), 1);
    sink.stop();
    // After stop nothing is queued any more.
    CHECK(submit_and_wait(sink, make_request(3, 7, "after-stop")).status == domain::AcceptStatus::Unavailable);
}

TEST_CASE("sink: a record sent and then timed out gives Unknown, never Unavailable", "[sink]") {
    // librdkafka reports such a record POSSIBLY_PERSISTED: the broker may store it after all, so the
    // front end must not answer "nothing was queued" (docs/request-states.md).
    ShortTimeoutSink t;
    KafkaFixture& f = t.f;
    KafkaRequestSink& sink = *t.sink;
    rd_kafka_mock_broker_set_rtt(f.broker->mock_cluster(), 1, 5000);  // it answers long after the timeout
    const Verdict v = submit_and_wait(sink, make_request(2, 7, "sent-then-timed-out"));
    CHECK(v.status == domain::AcceptStatus::Unknown);
    CHECK_FALSE(v.detail.empty());
    CHECK(v.detail.find("sent-then-timed-out") == std::string::npos);
    rd_kafka_mock_broker_set_rtt(f.broker->mock_cluster(), 1, 0);
    sink.stop();
}

TEST_CASE("sink: flush returns once every produced request has its verdict, and is bounded", "[sink][flush]") {
    KafkaFixture f(2);
    KafkaRequestSink sink(f.config);
    sink.start();
    // A draining node relies on this (Node::drain): when flush says true, every accepted request is on the
    // broker and its caller has heard so. The records linger (10 ms) before they are even sent, so a flush
    // that did not wait for the reports would find none of them answered.
    constexpr int kRequests = 50;
    std::atomic<int> answered{0};
    std::atomic<int> accepted{0};
    for (int i = 0; i < kRequests; ++i) {
        sink.submit(make_request(i + 1, 7, "flush-" + std::to_string(i)),
                    [&](domain::AcceptStatus status, const std::string&, domain::RecordLocation) {
                        if (status == domain::AcceptStatus::Accepted) accepted.fetch_add(1);
                        answered.fetch_add(1);
                    });
    }
    REQUIRE(sink.flush(20s));
    CHECK(answered.load() == kRequests);
    CHECK(accepted.load() == kRequests);
    CHECK(sink.flush(1ms));  // nothing left: at once

    // A broker that stops answering: flush ends at its bound with false, and the records are still waited
    // for (their reports come later, through stop()).
    rd_kafka_mock_broker_set_down(f.broker->mock_cluster(), 1);
    std::atomic<int> late{0};
    sink.submit(make_request(999, 7, "flush-late"),
                [&](domain::AcceptStatus, const std::string&, domain::RecordLocation) { late.fetch_add(1); });
    CHECK_FALSE(sink.flush(300ms));
    sink.stop(1s);
    CHECK(late.load() == 1);  // stop() fails what is left through the callbacks: every request gets its one verdict
}

namespace {

// How long `n` requests submitted at once take until the last one is accepted.
std::chrono::milliseconds time_to_accept(KafkaRequestSink& sink, int n, const std::string& prefix) {
    std::atomic<int> accepted{0};
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < n; ++i) {
        sink.submit(make_request(i + 1, 7, prefix + std::to_string(i)),
                    [&](domain::AcceptStatus status, const std::string&, domain::RecordLocation) {
                        if (status == domain::AcceptStatus::Accepted) accepted.fetch_add(1);
                    });
    }
    REQUIRE(sink.flush(20s));
    REQUIRE(accepted.load() == n);
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
}

}  // namespace

TEST_CASE("sink: a quiet front end sends at once, a flood waits for linger.ms and batches", "[sink][linger]") {
    KafkaFixture f(2);
    f.config.producer["linger.ms"] = "1000";  // long enough to tell the two apart on a loaded machine
    f.config.send_at_once_below_per_s = 1000;  // busy from 10 records in 10 ms on

    SECTION("quiet: one request at a time is accepted long before linger.ms") {
        KafkaRequestSink sink(f.config);
        sink.start();
        // A new idempotent producer asks for its producer id on a timer (up to a second): not timed.
        (void)time_to_accept(sink, 1, "quiet-first-");
        for (int i = 0; i < 3; ++i) CHECK(time_to_accept(sink, 1, "quiet-" + std::to_string(i) + "-") < 500ms);
        sink.stop();
    }
    SECTION("a flood: 300 requests at once wait for linger.ms (they fit one batch)") {
        KafkaRequestSink sink(f.config);
        sink.start();
        CHECK(time_to_accept(sink, 300, "flood-") >= 900ms);
        sink.stop();
    }
    SECTION("many HTTP requests waiting for their outcomes: even a single request waits for linger.ms") {
        std::int64_t waiting = f.config.linger_from_waiting;
        KafkaRequestSink sink(f.config, [&waiting] { return waiting; });
        sink.start();
        (void)time_to_accept(sink, 1, "waiting-first-");  // the producer id, as above
        CHECK(time_to_accept(sink, 1, "waiting-") >= 900ms);
        sink.stop();
    }
    SECTION("0 turns it off: even a single request waits for linger.ms") {
        f.config.send_at_once_below_per_s = 0;
        KafkaRequestSink sink(f.config);
        sink.start();
        CHECK(time_to_accept(sink, 1, "off-") >= 900ms);
        sink.stop();
    }
}
