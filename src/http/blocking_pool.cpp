#include "blocking_pool.hpp"

#include <algorithm>
#include <exception>

#include "coupon/base/log.hpp"
#include "coupon/base/thread_name.hpp"

namespace coupon::http {

BlockingPool::BlockingPool(std::size_t threads, std::size_t capacity) : capacity_(std::max<std::size_t>(1, capacity)) {
    const std::size_t count = std::max<std::size_t>(1, threads);
    threads_.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        threads_.emplace_back([this, i] {
            base::name_this_thread("blocking-" + std::to_string(i));
            run();
        });
    }
}

BlockingPool::~BlockingPool() {
    std::deque<std::function<void()>> dropped;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        dropped.swap(jobs_);
    }
    wake_.notify_all();
    for (auto& thread : threads_) {
        // Should the last owner ever let go on a pool thread, that thread cannot join itself.
        if (thread.get_id() == std::this_thread::get_id()) {
            thread.detach();
        } else {
            thread.join();
        }
    }
    // `dropped` is destroyed here, outside the lock: a job's captures may do anything in their destructors.
}

bool BlockingPool::post(std::function<void()> job) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ || jobs_.size() >= capacity_) return false;
        jobs_.push_back(std::move(job));
    }
    wake_.notify_one();
    return true;
}

std::size_t BlockingPool::queued() const {
    std::lock_guard lock(mutex_);
    return jobs_.size();
}

void BlockingPool::run() {
    for (;;) {
        std::function<void()> job;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
            if (stopping_) return;
            job = std::move(jobs_.front());
            jobs_.pop_front();
        }
        try {
            job();
        } catch (const std::exception& e) {  // jobs answer their own errors; this is a last guard
            log::error("http", "blocking job failed: {}", e.what());
        } catch (...) {
            log::error("http", "blocking job failed");
        }
    }
}

}  // namespace coupon::http
