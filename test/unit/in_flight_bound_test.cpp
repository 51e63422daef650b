// The worker's bound on decided batches still on their way (publish_pipeline.hpp, InFlightBound): two
// batches under load, more while they are small. The publisher here was never started, so every record is
// refused at once and its batch stays in flight, which is all the bound looks at.
#include <catch2/catch.hpp>

#include "publish_pipeline.hpp"
#include "result_publisher.hpp"

using namespace coupon::messaging;

namespace {

std::vector<OutRecord> records(std::size_t n) {
    std::vector<OutRecord> out(n);
    for (auto& r : out) {
        r.topic = "coupon-issue-result-topic";
        r.partition = 0;
        r.value = "{}";
    }
    return out;
}

}  // namespace

TEST_CASE("small batches may be in flight beyond two; batches of a loaded worker may not") {
    KafkaConfig config;
    ResultPublisher publisher(config);  // not started: every send is refused at enqueue
    PublishPipeline pipeline(publisher, nullptr, [] {});
    const InFlightBound bound{.batches = 2, .light_records = 256, .light_batches = 4};

    REQUIRE(pipeline.has_room(bound));
    pipeline.push({}, records(64), {{0, 64}}, "results");
    pipeline.push({}, records(64), {{0, 128}}, "results");
    CHECK(pipeline.batches() == 2);
    CHECK(pipeline.has_room(bound));  // 128 records in flight: a light load goes on deciding
    pipeline.push({}, records(64), {{0, 192}}, "results");
    CHECK(pipeline.has_room(bound));  // 192
    pipeline.push({}, records(64), {{0, 256}}, "results");
    CHECK_FALSE(pipeline.has_room(bound));  // four batches: light_batches reached (and 256 records)
    CHECK_FALSE(pipeline.wait_for_room(bound, std::chrono::milliseconds(1)));

    PublishPipeline loaded(publisher, nullptr, [] {});
    loaded.push({}, records(200), {{1, 200}}, "results");
    CHECK(loaded.has_room(bound));  // one batch: below `batches` whatever its size
    loaded.push({}, records(200), {{1, 400}}, "results");
    CHECK_FALSE(loaded.has_room(bound));  // two batches of 400 records: the bound of a loaded worker
    CHECK_FALSE(loaded.wait_for_room(bound, std::chrono::milliseconds(1)));
}

TEST_CASE("in-flight bound: below `batches` anything goes; beyond it only few records in few batches") {
    const InFlightBound bound{.batches = 2, .light_records = 256, .light_batches = 16};
    CHECK(bound.admits(0, 0));
    CHECK(bound.admits(1, 100000));      // one batch, however large
    CHECK(bound.admits(5, 255));         // light: under both light limits
    CHECK_FALSE(bound.admits(5, 256));   // the records of a loaded worker
    CHECK_FALSE(bound.admits(16, 10));   // too many batches, however small
    CHECK_FALSE(bound.admits(2, 256));
}
