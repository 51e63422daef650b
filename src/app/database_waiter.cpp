#include "database_waiter.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "coupon/base/log.hpp"

namespace coupon::app {

using std::chrono::duration_cast;
using std::chrono::seconds;

DatabaseWaiter::DatabaseWaiter(store::DatabaseConfig config, Opened opened, const base::MonotonicClock& clock)
    : config_(std::move(config)), opened_(std::move(opened)), clock_(clock) {}

DatabaseWaiter::~DatabaseWaiter() { stop(); }

void DatabaseWaiter::start(std::string first_error) {
    std::lock_guard lock(mutex_);
    if (thread_.joinable() || stopping_) return;
    waiting_ = true;
    since_ = clock_.now();
    attempts_ = 1;
    last_error_ = std::move(first_error);
    thread_ = std::thread([this] { run(); });
}

void DatabaseWaiter::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

std::string DatabaseWaiter::status() const {
    std::lock_guard lock(mutex_);
    if (!waiting_) return {};
    return fmt::format("waiting for the database for {} s ({} attempt(s)): {}",
                       duration_cast<seconds>(clock_.now() - since_).count(), attempts_, last_error_);
}

void DatabaseWaiter::run() {
    auto pause = kFirstPause;
    auto logged_at = clock_.now();
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            if (wake_.wait_for(lock, pause, [this] { return stopping_; })) return;
        }
        pause = std::min(pause * 2, kMaxPause);
        std::unique_ptr<store::Database> db;
        std::string error;
        try {
            db = store::Database::open(config_);
        } catch (const std::exception& e) {
            // Unreachable or not (a migration failing on a database that just came up): try again, as a
            // restart by systemd would, but without leaving the node.
            error = e.what();
        }
        std::unique_lock lock(mutex_);
        ++attempts_;
        const long long waited = duration_cast<seconds>(clock_.now() - since_).count();
        if (db) {
            waiting_ = false;
            log::info("app", "database answered after {} s ({} attempt(s))", waited, attempts_);
            lock.unlock();
            opened_(std::move(db));
            return;
        }
        last_error_ = std::move(error);
        if (clock_.now() - logged_at >= kLogEvery) {
            logged_at = clock_.now();
            log::warn("app", "still waiting for the database ({} s, {} attempt(s)): {}", waited, attempts_,
                      last_error_);
        }
    }
}

}  // namespace coupon::app
