// OutcomeBoard alone: exactly-once delivery, deadlines, cancel, pending tracking and sold-out learning.
#include <catch2/catch.hpp>

#include <atomic>
#include <future>

#include "coupon/http/outcome_board.hpp"
#include "test_doubles.hpp"

using namespace coupon::http;
using namespace coupon::http::test;
using coupon::domain::IssueResult;
using coupon::domain::Outcome;

namespace {

IssueResult result(const std::string& id, Outcome outcome, std::int64_t policy = 7, std::int64_t remaining = -1) {
    IssueResult r;
    r.request_id = id;
    r.user_id = 1;
    r.policy_id = policy;
    r.outcome = outcome;
    r.remaining = remaining;
    return r;
}

auto in(std::chrono::milliseconds d) { return std::chrono::steady_clock::now() + d; }

// Collects every call a waiter gets.
struct Calls {
    std::mutex mutex;
    std::vector<std::optional<IssueResult>> got;
    OutcomeBoard::Callback callback() {
        return [this](std::optional<IssueResult> r) {
            std::lock_guard lock(mutex);
            got.push_back(std::move(r));
        };
    }
    std::size_t count() {
        std::lock_guard lock(mutex);
        return got.size();
    }
};

}  // namespace

TEST_CASE("board: a result published after wait reaches the waiter once", "[http][board]") {
    OutcomeBoard board;
    Calls calls;
    board.wait("r1", in(5s), calls.callback());
    CHECK(board.is_pending("r1"));
    board.publish(result("r1", Outcome::Issued));
    board.publish(result("r1", Outcome::Issued));  // a redelivered result must not call again
    REQUIRE(calls.count() == 1);
    REQUIRE(calls.got[0].has_value());
    CHECK(calls.got[0]->outcome == Outcome::Issued);
    CHECK_FALSE(board.is_pending("r1"));
    CHECK(board.waiting() == 0);
}

TEST_CASE("board: a result published for a tracked id before wait answers wait at once", "[http][board]") {
    OutcomeBoard board;
    board.track("r1");
    board.publish(result("r1", Outcome::SoldOut));
    Calls calls;
    board.wait("r1", in(5s), calls.callback());
    REQUIRE(calls.count() == 1);
    REQUIRE(calls.got[0].has_value());
    CHECK(calls.got[0]->outcome == Outcome::SoldOut);
}

TEST_CASE("board: the deadline fires once with nullopt and a later result does not call again",
          "[http][board]") {
    OutcomeBoard board;
    Calls calls;
    const auto started = std::chrono::steady_clock::now();
    board.wait("r1", in(50ms), calls.callback());
    REQUIRE(eventually([&] { return calls.count() == 1; }));
    CHECK(std::chrono::steady_clock::now() - started >= 50ms);
    CHECK_FALSE(calls.got[0].has_value());
    CHECK(board.is_pending("r1"));  // still accepted and undecided: GET says PENDING
    board.publish(result("r1", Outcome::Issued));
    std::this_thread::sleep_for(20ms);
    CHECK(calls.count() == 1);
    CHECK_FALSE(board.is_pending("r1"));
}

TEST_CASE("board: deadlines fire in deadline order regardless of registration order", "[http][board]") {
    OutcomeBoard board;
    std::mutex mutex;
    std::vector<std::string> order;
    auto record = [&](std::string name) {
        return [&, name](std::optional<IssueResult>) {
            std::lock_guard lock(mutex);
            order.push_back(name);
        };
    };
    board.wait("late", in(150ms), record("late"));
    board.wait("early", in(30ms), record("early"));
    REQUIRE(eventually([&] {
        std::lock_guard lock(mutex);
        return order.size() == 2;
    }));
    CHECK(order == std::vector<std::string>{"early", "late"});
}

TEST_CASE("board: cancel drops the waiter without calling it and forgets the id", "[http][board]") {
    OutcomeBoard board;
    Calls calls;
    board.wait("r1", in(30ms), calls.callback());
    board.cancel("r1");
    CHECK(board.waiting() == 0);
    CHECK_FALSE(board.is_pending("r1"));
    board.publish(result("r1", Outcome::Issued));
    std::this_thread::sleep_for(60ms);  // past the deadline
    CHECK(calls.count() == 0);
}

TEST_CASE("board: a result for an unknown id only teaches stock", "[http][board]") {
    OutcomeBoard board;
    board.publish(result("elsewhere-1", Outcome::Issued, 7, 3));
    CHECK_FALSE(board.is_pending("elsewhere-1"));
    CHECK_FALSE(board.is_sold_out(7));
    board.publish(result("elsewhere-2", Outcome::Issued, 7, 0));  // took the last coupon
    CHECK(board.is_sold_out(7));
    board.publish(result("elsewhere-3", Outcome::SoldOut, 8));
    CHECK(board.is_sold_out(8));
    CHECK_FALSE(board.is_sold_out(9));
    board.mark_sold_out(9);
    CHECK(board.is_sold_out(9));
}

TEST_CASE("board: stop answers every waiter with nullopt, later waits answer at once", "[http][board]") {
    OutcomeBoard board;
    Calls calls;
    board.wait("r1", in(10s), calls.callback());
    board.wait("r2", in(10s), calls.callback());
    board.stop();
    CHECK(calls.count() == 2);
    board.wait("r3", in(10s), calls.callback());
    CHECK(calls.count() == 3);
}

TEST_CASE("board: racing publish and deadline still call exactly once", "[http][board]") {
    OutcomeBoard board;
    std::atomic<int> total{0};
    constexpr int kRequests = 2000;
    for (int i = 0; i < kRequests; ++i) {
        board.wait("r" + std::to_string(i), in(std::chrono::milliseconds(i % 5)),
                   [&](std::optional<IssueResult>) { total.fetch_add(1); });
    }
    std::thread publisher([&] {
        for (int i = 0; i < kRequests; ++i) board.publish(result("r" + std::to_string(i), Outcome::Issued));
    });
    publisher.join();
    REQUIRE(eventually([&] { return total.load() == kRequests; }));
    std::this_thread::sleep_for(20ms);
    CHECK(total.load() == kRequests);
    CHECK(board.waiting() == 0);
}

TEST_CASE("board: the pending memory is bounded", "[http][board]") {
    OutcomeBoard board(3);
    for (const char* id : {"a", "b", "c", "d"}) board.track(id);
    CHECK_FALSE(board.is_pending("a"));  // the oldest was forgotten
    CHECK(board.is_pending("d"));
}

TEST_CASE("board: a request is UNCONFIRMED until confirmed, NOT_QUEUED when refused late, settled by a result",
          "[http][board]") {
    using State = OutcomeBoard::State;
    OutcomeBoard board(3);
    CHECK_FALSE(board.status("r1").has_value());
    board.track("r1");
    CHECK(board.status("r1")->state == State::Unconfirmed);
    CHECK(board.is_pending("r1"));
    board.confirm("r1");
    CHECK(board.status("r1")->state == State::Pending);
    board.not_queued("r1");  // an acknowledged request cannot become NOT_QUEUED
    CHECK(board.status("r1")->state == State::Pending);

    Calls calls;
    board.wait("r2", in(10s), calls.callback());
    board.not_queued("r2");
    CHECK(board.status("r2")->state == State::NotQueued);
    CHECK_FALSE(board.is_pending("r2"));
    CHECK(board.waiting() == 0);  // its waiter was dropped, not called
    board.confirm("r2");          // a late, contradicting acknowledgement does not revive it
    CHECK(board.status("r2")->state == State::NotQueued);
    board.publish(result("r2", Outcome::Issued));  // ... but an outcome proves it was stored after all
    const auto settled = board.status("r2");
    CHECK(settled->state == State::Decided);
    REQUIRE(settled->result.has_value());
    CHECK(settled->result->outcome == Outcome::Issued);
    CHECK(calls.count() == 0);

    board.wait("r3", in(10s), calls.callback());
    board.release("r3");  // answered elsewhere: the waiter goes, the state stays
    CHECK(board.waiting() == 0);
    CHECK(board.status("r3")->state == State::Unconfirmed);
    board.track("r4");  // the capacity of 3 forgets the oldest, whatever its state
    CHECK_FALSE(board.status("r1").has_value());

    board.wait("r5", in(10s), calls.callback());
    board.confirm("r5");  // a sync request keeps waiting for its outcome
    CHECK(board.waiting() == 1);
    CHECK(board.status("r5")->state == State::Pending);
    board.wait("r6", in(10s), calls.callback());
    board.confirm("r6", true);  // respond-async: answered by the acknowledgement, its waiter goes uncalled
    CHECK(board.waiting() == 1);
    CHECK(board.status("r6")->state == State::Pending);
    board.publish(result("r6", Outcome::Issued));
    CHECK(board.status("r6")->state == State::Decided);
    CHECK(calls.count() == 0);
    board.publish(result("r5", Outcome::Issued));
    CHECK(calls.count() == 1);
}
