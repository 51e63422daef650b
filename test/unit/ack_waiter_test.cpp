// The one way the messaging module waits for the broker's acknowledgements (src/messaging/ack_waiter.hpp):
// counted in before produce, counted out exactly once by the delivery callback or a refusal, waited for with
// a bound. The callbacks are called here by hand, as the producer's thread would call them.
#include <catch2/catch.hpp>

#include <atomic>
#include <stdexcept>
#include <thread>

#include "ack_waiter.hpp"

using coupon::messaging::AckWaiter;
using coupon::messaging::Producer;
using namespace std::chrono_literals;

namespace {

Producer::Report stored(std::int64_t offset = 7) { return {RD_KAFKA_RESP_ERR_NO_ERROR, "", offset, RD_KAFKA_MSG_STATUS_PERSISTED}; }
Producer::Report timed_out() {
    return {RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, "Local: Message timed out", -1, RD_KAFKA_MSG_STATUS_NOT_PERSISTED};
}

}  // namespace

TEST_CASE("a group is acknowledged only when every record of it is, and a wait for it is bounded") {
    AckWaiter acks;
    const auto group = acks.group();
    auto first = acks.expect(group, 0);
    auto second = acks.expect(group, 1);
    CHECK(acks.progress(*group).outstanding == 2);
    CHECK(acks.outstanding() == 2);
    CHECK_FALSE(acks.wait(*group, 1ms));  // nothing answered: the bound ends the wait

    first(stored());
    CHECK(acks.progress(*group).outstanding == 1);
    CHECK_FALSE(acks.wait(*group, 1ms));
    CHECK_FALSE(acks.progress(*group).settled());

    second(stored());
    CHECK(acks.wait(*group, 1ms));
    CHECK(acks.progress(*group).settled());
    CHECK(acks.outstanding() == 0);
    CHECK(acks.first_error(*group).empty());
}

TEST_CASE("records the broker did not store are kept, with the first error, until every record answered") {
    AckWaiter acks;
    const auto group = acks.group();
    auto a = acks.expect(group, 0);
    auto b = acks.expect(group, 1);
    auto c = acks.expect(group, 2);
    b(timed_out());
    std::vector<std::size_t> failed;
    std::string error;
    // A record is still on its way: nothing moves yet (a retry must not overtake it).
    CHECK(acks.take_failed(*group, failed, error) == 0);
    CHECK(failed.empty());
    a(stored());
    c(Producer::Report{RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, "Broker: Not leader", -1,
                       RD_KAFKA_MSG_STATUS_POSSIBLY_PERSISTED});
    CHECK(acks.wait(*group, 1ms));
    CHECK(acks.progress(*group).failed == 2);
    CHECK_FALSE(acks.progress(*group).settled());
    CHECK(acks.first_error(*group) == "_MSG_TIMED_OUT: Local: Message timed out");

    CHECK(acks.take_failed(*group, failed, error) == 2);
    CHECK(failed == std::vector<std::size_t>{1, 2});
    CHECK(error == "_MSG_TIMED_OUT: Local: Message timed out");
    CHECK(acks.progress(*group).settled());  // taken: the group is clean for the retry

    // The retry counts the same records in again.
    auto again = acks.expect(group, 1);
    CHECK_FALSE(acks.progress(*group).settled());
    again(stored());
    CHECK(acks.progress(*group).settled());
}

TEST_CASE("a record the producer refused at enqueue is counted out as not stored") {
    AckWaiter acks;
    const auto group = acks.group();
    {
        auto never_called = acks.expect(group, 0);  // the producer drops it with the record it refused
    }
    acks.refused(group, 0, "_QUEUE_FULL: not enqueued");
    CHECK(acks.wait(*group, 1ms));
    CHECK(acks.progress(*group).failed == 1);
    CHECK(acks.first_error(*group) == "_QUEUE_FULL: not enqueued");
    CHECK(acks.outstanding() == 0);
}

TEST_CASE("wait_all covers records of no group, their callback runs before they count as answered") {
    AckWaiter acks;
    std::vector<std::string> seen;
    auto one = acks.expect(nullptr, 0, [&](const Producer::Report& r) {
        seen.push_back(r.err ? "failed" : "stored");
        CHECK(acks.outstanding() == 2);  // still counted while its owner hears the verdict
    });
    auto two = acks.expect(nullptr, 0, [](const Producer::Report&) { throw std::runtime_error("caller's bug"); });
    CHECK_FALSE(acks.wait_all(1ms));
    one(stored());
    CHECK(seen == std::vector<std::string>{"stored"});
    CHECK_FALSE(acks.wait_all(1ms));
    two(timed_out());  // what the callback throws is logged; the record is counted out all the same
    CHECK(acks.wait_all(1ms));
}

TEST_CASE("on_group_done is called each time a group's last record answers, also after its waiter is gone") {
    auto done = std::make_shared<std::atomic<int>>(0);
    Producer::OnReport late;
    {
        AckWaiter acks([done] { done->fetch_add(1); });
        const auto group = acks.group();
        auto a = acks.expect(group, 0);
        late = acks.expect(group, 1);
        a(stored());
        CHECK(done->load() == 0);
        const auto other = acks.group();
        acks.expect(other, 0)(stored());
        CHECK(done->load() == 1);
    }
    late(stored());  // the waiter is gone; the callback keeps the shared state alive
    CHECK(done->load() == 2);
}

TEST_CASE("wait_until wakes on an acknowledgement from another thread and checks its condition again") {
    AckWaiter acks;
    const auto group = acks.group();
    auto a = acks.expect(group, 0);
    auto b = acks.expect(group, 1);
    std::atomic<int> checks{0};
    std::thread producer_thread([&] {
        a(stored());
        b(stored());
    });
    // Generous bound: the test is about waking, not about speed.
    const bool ready = acks.wait_until(
        [&] {
            checks.fetch_add(1);
            return acks.progress(*group).outstanding == 0;
        },
        10s);
    producer_thread.join();
    CHECK(ready);
    CHECK(checks.load() >= 1);
    CHECK_FALSE(acks.wait_until([] { return false; }, 1ms));  // a condition never met ends with the bound
}
