#pragma once
// The database an e2e server runs on, chosen at build time: e2e_tests use a SQLite file in the test's
// temp dir, e2e_pg_tests a fresh database on the throwaway PostgreSQL of COUPON_TEST_PG_URL (scripts/test
// starts it). count() reads it with the backend's own C client, independent of the server's store.
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <thread>

namespace coupon::test {

class E2eDatabase {
public:
    virtual ~E2eDatabase() = default;
    virtual const std::string& url() const = 0;  // database.url for the server
    virtual long long count(const std::string& sql) = 0;
    // Makes the database refuse the server's writes for `duration` (blocks the calling thread): SQLite holds
    // an exclusive lock, PostgreSQL an ACCESS EXCLUSIVE lock on coupon_policy. The server's lock wait
    // (database.busy_timeout_ms) must be shorter for its writes to fail instead of waiting. `locked` runs
    // once the lock is held, before the duration starts.
    virtual void refuse_writes_for(std::chrono::milliseconds duration, const std::function<void()>& locked) = 0;

    // The same on a thread of its own, returned once the lock is held (no guessed sleep for "the lock is
    // taken"); `then` runs on that thread after the lock is released. Join the thread. Throws what taking
    // the lock threw.
    std::thread refuse_writes_in_background(std::chrono::milliseconds duration, std::function<void()> then = {}) {
        auto taken = std::make_shared<std::promise<void>>();
        std::future<void> held = taken->get_future();
        std::thread holder([this, duration, taken, then = std::move(then)] {
            bool signalled = false;
            try {
                refuse_writes_for(duration, [&] {
                    signalled = true;
                    taken->set_value();
                });
            } catch (...) {
                if (!signalled) taken->set_exception(std::current_exception());
            }
            if (then) then();
        });
        try {
            held.get();
        } catch (...) {
            holder.join();
            throw;
        }
        return holder;
    }
    // Makes the database refuse, with an error, every coupon for `user_id` (a trigger), while it takes all
    // others: a record whose content the database cannot store, whatever the batch around it.
    virtual void refuse_coupons_of(long long user_id) = 0;
};

std::unique_ptr<E2eDatabase> create_e2e_database(const std::string& temp_dir);

}  // namespace coupon::test
