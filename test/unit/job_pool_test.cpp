// base::JobPool: the blocking pool, the replay thread and a consumer member's sender share it
// (coupon/base/job_pool.hpp): jobs run first in first out, a full queue refuses, and destruction drops or runs
// what is still queued as its OnStop says.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <vector>

#include "coupon/base/job_pool.hpp"

using coupon::base::JobPool;
using namespace std::chrono_literals;

namespace {

// A job that holds the pool's one thread until released, so the next posts stay queued.
struct Gate {
    std::promise<void> open;
    std::shared_future<void> opened = open.get_future().share();
    std::promise<void> entered;

    std::function<void()> job() {
        return [this] {
            entered.set_value();
            opened.wait();
        };
    }
};

}  // namespace

TEST_CASE("job pool: one thread runs its jobs in the order posted; a full queue refuses") {
    std::mutex mutex;
    std::vector<int> ran;
    Gate gate;
    auto entered = gate.entered.get_future();
    {
        JobPool pool(1, 3, "test-jobs");
        REQUIRE(pool.post(gate.job()));
        REQUIRE(entered.wait_for(10s) == std::future_status::ready);  // the thread holds the gate: the rest queue
        for (int i = 0; i < 3; ++i) {
            CHECK(pool.post([&, i] {
                std::lock_guard lock(mutex);
                ran.push_back(i);
            }));
        }
        CHECK(pool.queued() == 3);
        CHECK_FALSE(pool.post([] {}));  // capacity 3
        CHECK_FALSE(pool.stopping());
        gate.open.set_value();
        const auto until = std::chrono::steady_clock::now() + 10s;
        while (pool.queued() > 0 && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(1ms);
    }  // joins: the last job has run
    CHECK(ran == std::vector<int>{0, 1, 2});
}

TEST_CASE("job pool: destruction drops the queued jobs or runs them, each seeing stopping()") {
    for (const auto on_stop : {JobPool::OnStop::DropQueued, JobPool::OnStop::RunQueued}) {
        std::atomic<int> ran{0};
        std::atomic<int> saw_stopping{0};
        Gate gate;
        auto entered = gate.entered.get_future();
        std::thread opener;
        {
            JobPool pool(1, 8, "test-jobs", on_stop);
            REQUIRE(pool.post(gate.job()));
            REQUIRE(entered.wait_for(10s) == std::future_status::ready);
            for (int i = 0; i < 4; ++i) {
                REQUIRE(pool.post([&] {
                    ++ran;
                    if (pool.stopping()) ++saw_stopping;
                }));
            }
            // Opens the gate once destruction has begun (stopping() is true), so the queued jobs are still queued.
            opener = std::thread([&] {
                while (!pool.stopping()) std::this_thread::sleep_for(1ms);
                gate.open.set_value();
            });
        }
        opener.join();
        if (on_stop == JobPool::OnStop::DropQueued) {
            CHECK(ran == 0);
        } else {
            CHECK(ran == 4);
            CHECK(saw_stopping == 4);
        }
    }
}
