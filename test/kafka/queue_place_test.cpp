// Issue 13 (the waiting room): a stored request's place in its partition's queue and its estimated wait, read
// by a node that is not a member of the group, from the group's committed offsets.
#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <thread>

#include "coupon/messaging/issue_topic_reader.hpp"
#include "coupon/messaging/kafka_request_sink.hpp"
#include "kafka_fixture.hpp"
#include "manual_clock.hpp"

using namespace coupon;
using namespace coupon::messaging;
using namespace coupon::test;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

TEST_CASE("queue place: positions of a known backlog fall as the consumers advance, with a wait estimate",
          "[group][waiting-room]") {
    KafkaFixture f(2);
    f.config.max_poll_records = 20;  // a 400-record backlog in 20 batches or more
    const domain::PolicyId policy = f.add_policy(1000);
    KafkaRequestSink sink(f.config);
    sink.start();
    constexpr int kRequests = 400;
    domain::RecordLocation first, last;
    for (int i = 0; i < kRequests; ++i) {
        const Verdict v = submit_and_wait(sink, make_request(i + 1, policy, fmt::format("place-{}", i)));
        REQUIRE(v.status == domain::AcceptStatus::Accepted);
        if (i == 0) first = v.where;
        last = v.where;
    }
    REQUIRE(last.offset - first.offset == kRequests - 1);

    IssueTopicReader reader(f.config);  // not a member: as a node that did not take the requests
    CHECK_FALSE(reader.recent_place(last));  // nothing sampled yet: the POST's 202 says nothing
    auto before = reader.place_in_queue(last);
    REQUIRE(before);
    CHECK(before->ahead == last.offset);  // nothing decided yet: every record before it is ahead
    CHECK(reader.place_in_queue(first)->ahead == first.offset);
    // Right after a status read, the non-blocking answer (a POST's 202) is the same place.
    const auto recent = reader.recent_place(last);
    REQUIRE(recent);
    CHECK(recent->ahead == before->ahead);
    {
        // Another reader on a clock the test moves: its sample is trusted for 1 s, then it is too old to
        // trust, and the non-blocking answer is nothing rather than a stale place.
        ManualMonotonicClock clock;
        IssueTopicReader aging(f.config, clock);
        REQUIRE(aging.place_in_queue(last));
        clock.advance(1000ms);
        CHECK(aging.recent_place(last));
        clock.advance(1ms);
        CHECK_FALSE(aging.recent_place(last));
    }

    IssueConsumerGroup::TestHooks hooks;
    hooks.after_db_commit = [] { std::this_thread::sleep_for(150ms); };  // a slow database: >= 3 s in all
    auto group = f.make_group(hooks);
    std::vector<std::int64_t> positions;
    std::optional<std::int64_t> estimate;  // the first estimate once the queue moves (60% of it or less ahead)
    Clock::time_point estimated_at;
    const auto started = Clock::now();
    while (Clock::now() - started < 30s) {
        const auto place = reader.place_in_queue(last);
        REQUIRE(place);
        if (positions.empty() || place->ahead != positions.back()) positions.push_back(place->ahead);
        if (!estimate && place->estimated_wait_ms && place->ahead <= kRequests * 6 / 10 && place->ahead > 0) {
            estimate = place->estimated_wait_ms;
            estimated_at = Clock::now();
        }
        if (place->ahead == 0) break;
        std::this_thread::sleep_for(100ms);
    }
    const auto reached_zero = Clock::now();
    INFO("positions seen: " << fmt::format("{}", fmt::join(positions, " ")));
    REQUIRE(positions.back() == 0);
    CHECK(positions.size() >= 4);  // seen falling step by step, not only before and after
    for (std::size_t i = 1; i < positions.size(); ++i) CHECK(positions[i] < positions[i - 1]);
    REQUIRE(estimate);
    const auto measured = std::chrono::duration_cast<std::chrono::milliseconds>(reached_zero - estimated_at).count();
    fmt::print("queue place: estimated {} ms, measured {} ms\n", *estimate, measured);
    // Stated error: within a factor of 3 either way (commits come in batches, the rate is sampled every 250 ms).
    CHECK(*estimate * 3 >= measured);
    CHECK(*estimate <= measured * 3);
    group->stop();
    sink.stop();
}
