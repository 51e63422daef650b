// Produce errors injected before the first Produce request (librdkafka 2.0.2 mock), and what they do to
// "Accepted only after acks=all".
//
// Finding: with an idempotent producer and two or more Produce requests of one partition in flight, a
// retriable error on the first (NOT_LEADER_FOR_PARTITION, REQUEST_TIMED_OUT, NOT_ENOUGH_REPLICAS,
// LEADER_NOT_AVAILABLE, UNKNOWN_TOPIC_OR_PART) puts its records back in the queue, and then the success
// of the second makes librdkafka report them delivered ("implicit ack", rdkafka_request.c
// rd_kafka_handle_idempotent_Produce_success -> rd_kafka_dr_implicit_ack, rdkafka_broker.c): NO_ERROR with
// offset RD_KAFKA_OFFSET_INVALID. A real broker accepts the second request only if the first was appended:
// its sequence numbers must follow on (Kafka's ProducerAppendInfo.checkSequence: OutOfOrderSequence, or
// UnknownProducerId for a producer with no state yet), so the implicit ack is sound there. The mock checks
// sequences only for a transactional producer (rdkafka_mock.c rd_kafka_mock_validate_records returns early
// without a TransactionalId), appends the second batch, and never stores the first: accepted, lost.
// With one request in flight per connection there is no second request and nothing is lost.
// A pushed DUPLICATE_SEQUENCE_NUMBER is success by definition for librdkafka ("already stored"); a real
// broker sends it only for a batch it has stored, the mock sends what it is told and stores nothing.
#include <catch2/catch.hpp>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <map>
#include <mutex>
#include <thread>

#include "coupon/messaging/kafka_request_sink.hpp"
#include "coupon/messaging/message_codec.hpp"
#include "kafka_fixture.hpp"

using namespace coupon;
using namespace coupon::test;
using namespace std::chrono_literals;

namespace {

constexpr std::int16_t kProduceApi = 0;
constexpr int kBroker = 1;

struct Code {
    const char* name;
    rd_kafka_resp_err_t err;
};

// Retriable Produce errors a real broker sends (plus the mock's connection close).
constexpr Code kRetriable[] = {
    {"NOT_LEADER_FOR_PARTITION", RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION},
    {"REQUEST_TIMED_OUT", RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT},
    {"NOT_ENOUGH_REPLICAS", RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS},
    {"LEADER_NOT_AVAILABLE", RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE},
    {"UNKNOWN_TOPIC_OR_PART", RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART},
    {"__TRANSPORT", RD_KAFKA_RESP_ERR__TRANSPORT},
};

// The first Produce request gets `err`, its response held 300 ms so that later requests go out meanwhile.
void fail_first_produce(rd_kafka_mock_cluster_t* mock, rd_kafka_resp_err_t err) {
    rd_kafka_mock_broker_push_request_error_rtts(mock, kBroker, kProduceApi, 1, err, 300);
}

// Value -> number of copies in `topic`, read back record by record (a watermark alone proves nothing).
// Reads until `at_least` records or the topic's size, whichever is larger, arrived (or 30 s).
std::map<std::string, int> stored_values(KafkaFixture& f, const std::string& topic, std::size_t at_least) {
    const auto size = static_cast<std::size_t>(std::max<std::int64_t>(0, f.topic_size(topic)));
    std::map<std::string, int> out;
    for (const auto& r : f.read_topic(topic, std::max(size, at_least))) ++out[r.value];
    return out;
}

struct Report {
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
    std::int64_t offset = -1;
};

struct Reports {
    std::mutex mutex;
    std::map<std::string, Report> by_value;
};

// A plain producer with the request producer's delivery settings (client_config.cpp), 20 records 10 ms apart.
std::map<std::string, Report> produce_plain(KafkaFixture& f, const std::string& topic) {
    Reports reports;
    char err[256];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    for (const auto& [k, v] : std::map<std::string, std::string>{{"bootstrap.servers", f.config.bootstrap_servers},
                                                                  {"acks", "all"},
                                                                  {"enable.idempotence", "true"},
                                                                  {"max.in.flight.requests.per.connection", "5"},
                                                                  {"linger.ms", "5"}}) {
        REQUIRE(rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) == RD_KAFKA_CONF_OK);
    }
    rd_kafka_conf_set_opaque(conf, &reports);
    rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
        auto* r = static_cast<Reports*>(opaque);
        std::lock_guard lock(r->mutex);
        r->by_value[std::string(static_cast<const char*>(m->payload), m->len)] = {m->err, m->offset};
    });
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    REQUIRE(rk != nullptr);
    for (int i = 0; i < 20; ++i) {
        const std::string value = "plain-" + std::to_string(i);
        REQUIRE(rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(0),
                                  RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                                  RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR_NO_ERROR);
        rd_kafka_poll(rk, 0);
        std::this_thread::sleep_for(10ms);
    }
    CHECK(rd_kafka_flush(rk, 20000) == RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_destroy(rk);
    std::lock_guard lock(reports.mutex);
    return reports.by_value;
}

}  // namespace

TEST_CASE("mock quirk: a retriable Produce error with a later request in flight is acked implicitly, never stored",
          "[faults][mock]") {
    // Documents librdkafka 2.0.2 + its mock, not our code: every record librdkafka reports delivered WITH an
    // offset is stored there; the lost ones are exactly those acknowledged without one (implicitly).
    const Code cases[] = {kRetriable[0], kRetriable[1], kRetriable[2], kRetriable[3],
                          {"DUPLICATE_SEQUENCE_NUMBER", RD_KAFKA_RESP_ERR_DUPLICATE_SEQUENCE_NUMBER}};
    int total_lost = 0;
    for (const Code& code : cases) {
        INFO(code.name);
        KafkaFixture f(1);
        fail_first_produce(f.broker->mock_cluster(), code.err);
        const auto reports = produce_plain(f, f.config.topics.issue);
        REQUIRE(reports.size() == 20);
        std::size_t with_offset = 0;
        for (const auto& [value, report] : reports) with_offset += report.offset >= 0;
        const auto stored = stored_values(f, f.config.topics.issue, with_offset);
        INFO("stored " << stored.size() << ", acked with an offset " << with_offset);
        int lost = 0;
        for (const auto& [value, report] : reports) {
            INFO(value << " offset " << report.offset);
            CHECK(report.err == RD_KAFKA_RESP_ERR_NO_ERROR);  // every record reported delivered
            if (report.offset >= 0 && code.err == RD_KAFKA_RESP_ERR_DUPLICATE_SEQUENCE_NUMBER) {
                // An injected DUPLICATE_SEQUENCE_NUMBER claims a head batch the mock never stored. In about
                // half the runs on a busy machine the mock then stored none of the 20 while acknowledging 19
                // with offsets (seen 2026-11-29, before and after that day's changes). A real broker answers
                // it only for a batch it holds, so this is counted, not required.
                lost += stored.count(value) == 0;
            } else if (report.offset >= 0) {
                CHECK(stored.count(value) == 1);  // acked with an offset: really there
            } else {
                // INVALID (-1001) for an implicit ack; -1 is the BaseOffset of a DUPLICATE_SEQUENCE_NUMBER answer.
                CHECK((report.offset == RD_KAFKA_OFFSET_INVALID || code.err == RD_KAFKA_RESP_ERR_DUPLICATE_SEQUENCE_NUMBER));
                lost += stored.count(value) == 0;
            }
        }
        CHECK(static_cast<int>(stored.size()) == 20 - lost);
        // Usually the head batch (1-2 records) is lost for every code; whether a second request is in flight
        // in time is up to the scheduler, so a single code is not required to show it.
        WARN(code.name << ": " << lost << " record(s) reported delivered but not stored");
        total_lost += lost;
    }
    // DUPLICATE_SEQUENCE_NUMBER on the head batch loses it whatever the timing. (If a librdkafka or mock
    // upgrade makes this fail, the quirk may be gone: re-check the fault-injection tests' assumptions.)
    CHECK(total_lost >= 1);
}

TEST_CASE("sink under Produce errors before its first request: with one request in flight, Accepted means stored",
          "[faults][sink]") {
    // The same faults through KafkaRequestSink. max.in.flight 1 removes the second request that the mock
    // would wrongly store ahead of the first (see the case above); everything Accepted must then be in the
    // topic exactly once, whatever the error.
    for (const Code& code : kRetriable) {
        INFO(code.name);
        KafkaFixture f(2);
        f.config.producer["max.in.flight.requests.per.connection"] = "1";
        messaging::KafkaRequestSink sink(f.config);
        sink.start();
        fail_first_produce(f.broker->mock_cluster(), code.err);
        VerdictCollector verdicts;
        std::vector<std::string> ids;
        for (int i = 0; i < 20; ++i) {
            ids.push_back(std::string("pf-") + std::to_string(i));
            sink.submit(make_request(i + 1, i % 2 ? 7 : 8, ids.back()), verdicts.expect(ids.back()));
            std::this_thread::sleep_for(10ms);
        }
        REQUIRE(verdicts.wait_all(ids.size(), 20s));
        std::map<std::string, int> copies;
        for (const auto& [value, n] : stored_values(f, f.config.topics.issue, ids.size())) {
            const auto d = messaging::decode_request(value, messaging::kRequestTypeId, {f.config.topics.issue, 0, 0});
            REQUIRE(d.value);
            copies[d.value->request_id] += n;
        }
        for (const auto& [id, status] : verdicts.verdicts()) {
            INFO(id);
            CHECK(status == domain::AcceptStatus::Accepted);  // retriable: delivered in the end
            if (status == domain::AcceptStatus::Accepted) CHECK(copies[id] == 1);
        }
        sink.stop();
    }
}
