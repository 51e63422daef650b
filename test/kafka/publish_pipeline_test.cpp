// The publish pipeline's hand-off (publish_pipeline.hpp, Sender): big batches are encoded and produced on the
// pipeline's sender thread, small ones on the pushing thread unless the sender still has an earlier batch.
// Against the embedded broker: every result stored once, in push order, and offsets committable only in
// push order, once every batch before them is stored.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "coupon/messaging/publisher.hpp"
#include "kafka_fixture.hpp"
#include "publish_pipeline.hpp"
#include "result_publisher.hpp"

using namespace coupon;
using namespace coupon::messaging;
using namespace coupon::test;
using namespace std::chrono_literals;

namespace {

std::vector<domain::IssueResult> results_of(std::size_t batch, std::size_t count, domain::PolicyId policy) {
    std::vector<domain::IssueResult> out(count);
    for (std::size_t i = 0; i < count; ++i) {
        out[i].request_id = fmt::format("b{:02}-{:04}", batch, i);
        out[i].user_id = static_cast<domain::UserId>(batch * 10000 + i + 1);
        out[i].policy_id = policy;
        out[i].outcome = domain::Outcome::SoldOut;
        out[i].remaining = 0;
    }
    return out;
}

// Names of this process's threads now.
std::set<std::string> thread_names() {
    std::set<std::string> out;
    for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
        std::ifstream comm(task.path() / "comm");
        std::string name;
        if (std::getline(comm, name)) out.insert(name);
    }
    return out;
}

// An embedded broker of one partition, a started result producer and a pipeline whose sender thread
// ("test-send") takes the batches of at least `min_records`.
struct SenderPipeline {
    explicit SenderPipeline(std::size_t min_records)
        : pipeline(*publisher, nullptr, [] {}, base::steady_clock(),
                   {.thread = "test-send", .min_records = min_records}) {}

    KafkaFixture f{1};
    const domain::PolicyId policy = f.add_policy(1000000);
    const std::shared_ptr<ResultPublisher> publisher = start_publisher(f.config);
    PublishPipeline pipeline;
};

}  // namespace

TEST_CASE("pipeline: big batches go to the sender thread, and every result is stored once, in push order",
          "[pipeline]") {
    SenderPipeline s(100);
    auto& [f, policy, publisher, pipeline] = s;
    CHECK(thread_names().count("test-send") == 0);  // started by the first batch it takes

    // Big and small batches mixed: a small one right after a big one must wait its turn behind it.
    const std::vector<std::size_t> sizes{300, 3, 250, 1, 40, 400, 2, 120, 5};
    std::size_t total = 0;
    for (std::size_t b = 0; b < sizes.size(); ++b) {
        total += sizes[b];
        pipeline.push(results_of(b, sizes[b], policy), {}, {{0, static_cast<std::int64_t>(total)}}, "results");
        CHECK(pipeline.batches() <= b + 1);
    }
    // The thread names itself when it starts running.
    CHECK(wait_until([] { return thread_names().count("test-send") == 1; }, 5s));

    Offsets committable;
    std::vector<std::int64_t> seen;  // the committable offset after each settle, as it moved
    REQUIRE(wait_until([&] {
        pipeline.settle(committable);
        if (committable.count(0) && (seen.empty() || seen.back() != committable[0])) seen.push_back(committable[0]);
        (void)pipeline.wait_below(1, 20ms);
        return pipeline.batches() == 0;
    }));
    pipeline.settle(committable);
    CHECK(committable[0] == static_cast<std::int64_t>(total));
    // Every offset it ever handed out ends a batch: never a batch's middle, never past an unstored batch.
    std::set<std::int64_t> batch_ends;
    std::int64_t end = 0;
    for (std::size_t s : sizes) batch_ends.insert(end += static_cast<std::int64_t>(s));
    for (std::int64_t o : seen) CHECK(batch_ends.count(o) == 1);

    const auto stored = f.read_topic(f.config.topics.results, total);
    REQUIRE(stored.size() == total);
    std::vector<std::string> expected;
    for (std::size_t b = 0; b < sizes.size(); ++b) {
        for (const auto& r : results_of(b, sizes[b], policy)) expected.push_back(r.request_id);
    }
    std::vector<std::string> keys;
    for (const RawRecord& r : stored) keys.push_back(r.key);
    CHECK(keys == expected);  // one partition: the broker's order is the order the pipeline produced them in
}

TEST_CASE("pipeline: a batch with the sender counts against the in-flight bound until it is stored",
          "[pipeline]") {
    SenderPipeline s(1);
    auto& [f, policy, publisher, pipeline] = s;
    const InFlightBound one{.batches = 1, .light_records = 0, .light_batches = 1};
    pipeline.push(results_of(0, 500, policy), {}, {{0, 500}}, "results");
    CHECK_FALSE(pipeline.has_room(one));
    Offsets committable;
    pipeline.settle(committable);
    CHECK(committable.empty());  // the sender has just taken it, or the broker has not answered yet
    REQUIRE(pipeline.wait_for_room(one, 30s));
    pipeline.settle(committable);
    CHECK(committable[0] == 500);
    CHECK(f.read_topic(f.config.topics.results, 500).size() == 500);
}
