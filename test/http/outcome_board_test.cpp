// OutcomeBoard alone: exactly-once delivery, deadlines, cancel, pending tracking and sold-out learning.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <atomic>
#include <future>
#include <set>

#include "coupon/http/outcome_board.hpp"
#include "request_id.hpp"
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

TEST_CASE("board: ids it writes carry their ring position and are found without a text index", "[http][board]") {
    using State = OutcomeBoard::State;
    OutcomeBoard board(4);
    const auto now = coupon::domain::TimePoint{std::chrono::milliseconds{1'764'547'200'123}};
    std::vector<std::string> ids;
    for (int i = 0; i < 4; ++i) ids.push_back(board.new_request_id(now));
    for (std::size_t i = 0; i < ids.size(); ++i) {
        const auto bits = parse_request_id(ids[i]);
        REQUIRE(bits.has_value());
        CHECK((bits->low & 0xffff'ffffULL) == i);          // the position
        CHECK((bits->high >> 16) == 1'764'547'200'123ULL);  // UUIDv7: the milliseconds first, then version 7
        CHECK(((bits->high >> 12) & 0xf) == 7);
        CHECK((bits->low >> 62) == 2);                      // variant 10
        board.track(ids[i], 9);
        CHECK(board.status(ids[i])->policy == 9);
    }
    CHECK(ids[0] != ids[1]);
    // Only the text new_request_id writes parses: one text per id, so two texts never share an entry.
    auto upper = ids[0];
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    CHECK_FALSE(parse_request_id(upper).has_value());
    CHECK_FALSE(parse_request_id(ids[0].substr(1)).has_value());
    CHECK_FALSE(parse_request_id(ids[0].substr(0, 8) + "0" + ids[0].substr(9)).has_value());  // no dash
    CHECK_FALSE(parse_request_id("req-early").has_value());
    // Another UUID with the same position bits is not this node's request.
    auto other = ids[1];
    other[0] = other[0] == 'f' ? 'e' : 'f';
    CHECK_FALSE(board.status(other).has_value());
    board.publish(result(other, Outcome::Issued));
    CHECK(board.status(ids[1])->state == State::Unconfirmed);

    Calls calls;
    board.wait(ids[2], in(10s), calls.callback());
    board.confirm(ids[2]);
    CHECK(board.status(ids[2])->state == State::Pending);
    board.publish(result(ids[2], Outcome::SoldOut));
    REQUIRE(calls.count() == 1);
    CHECK(calls.got[0]->outcome == Outcome::SoldOut);
    CHECK(board.status(ids[2])->state == State::Decided);

    board.cancel(ids[3]);
    CHECK_FALSE(board.status(ids[3]).has_value());
    // A fifth id takes position 0 again: the oldest is forgotten, whether written here or given as text.
    board.track("text-id");
    CHECK_FALSE(board.status(ids[0]).has_value());
    CHECK(board.status("text-id").has_value());
    for (int i = 0; i < 4; ++i) board.new_request_id(now);
    CHECK_FALSE(board.status("text-id").has_value());  // its text index entry went with it
    CHECK(board.status(ids[1]) == std::nullopt);
}

TEST_CASE("board: a request still waiting when the ring comes round is answered as at its deadline, once",
          "[http][board]") {
    OutcomeBoard board(2);
    const auto now = coupon::domain::TimePoint{std::chrono::milliseconds{1'764'547'200'123}};
    Calls calls;
    const auto first = board.new_request_id(now);
    board.wait(first, in(150ms), calls.callback());
    board.new_request_id(now);
    CHECK(calls.count() == 0);
    CHECK(board.waiting() == 1);
    board.new_request_id(now);  // takes the first one's position
    REQUIRE(calls.count() == 1);
    CHECK_FALSE(calls.got[0].has_value());
    CHECK(board.waiting() == 0);
    CHECK_FALSE(board.status(first).has_value());
    board.publish(result(first, Outcome::Issued));  // too late to be anyone's: no second call
    std::this_thread::sleep_for(200ms);           // nor from its deadline, now stale
    CHECK(calls.count() == 1);
}

TEST_CASE("board: ids written by several threads, raced by publish, deadlines and the ring, call exactly once",
          "[http][board]") {
    OutcomeBoard board(1000);  // fewer positions than requests: the ring turns while some still wait
    constexpr int kThreads = 4;
    constexpr int kPerThread = 1500;
    constexpr int kRequests = kThreads * kPerThread;
    std::vector<std::atomic<int>> calls(kRequests);
    std::mutex taken_mutex;
    std::vector<std::string> taken;  // ids to publish, in the order they were registered
    std::atomic<bool> done{false};
    std::vector<std::thread> takers;
    for (int t = 0; t < kThreads; ++t) {
        takers.emplace_back([&, t] {
            const auto now = coupon::domain::TimePoint{std::chrono::milliseconds{1'764'547'200'000}};
            for (int i = 0; i < kPerThread; ++i) {
                const int n = t * kPerThread + i;
                auto id = board.new_request_id(now);
                board.wait(id, in(std::chrono::milliseconds(i % 7)),
                           [&calls, n](std::optional<IssueResult>) { calls[n].fetch_add(1); });
                std::lock_guard lock(taken_mutex);
                taken.push_back(std::move(id));
            }
        });
    }
    std::thread publisher([&] {
        std::size_t next = 0;
        while (true) {
            std::string id;
            {
                std::lock_guard lock(taken_mutex);
                if (next < taken.size()) id = taken[next++];
            }
            if (!id.empty()) {
                board.publish(result(id, Outcome::Issued));
            } else if (done.load()) {
                std::lock_guard lock(taken_mutex);
                if (next == taken.size()) return;
            }
        }
    });
    for (auto& t : takers) t.join();
    done.store(true);
    publisher.join();
    REQUIRE(eventually([&] {
        return std::all_of(calls.begin(), calls.end(), [](const std::atomic<int>& c) { return c.load() >= 1; });
    }));
    std::this_thread::sleep_for(20ms);
    CHECK(std::all_of(calls.begin(), calls.end(), [](const std::atomic<int>& c) { return c.load() == 1; }));
    CHECK(board.waiting() == 0);
    CHECK(std::set<std::string>(taken.begin(), taken.end()).size() == static_cast<std::size_t>(kRequests));
}
