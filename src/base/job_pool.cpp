#include "coupon/base/job_pool.hpp"

#include <algorithm>
#include <exception>
#include <utility>

#include "coupon/base/log.hpp"
#include "coupon/base/thread_name.hpp"

namespace coupon::base {

JobPool::JobPool(std::size_t threads, std::size_t capacity, std::string name, OnStop on_stop)
    : capacity_(std::max<std::size_t>(1, capacity)), name_(std::move(name)), on_stop_(on_stop) {
    const std::size_t count = std::max<std::size_t>(1, threads);
    threads_.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        threads_.emplace_back([this, i, count] {
            name_this_thread(count == 1 ? name_ : name_ + "-" + std::to_string(i));
            run();
        });
    }
}

JobPool::~JobPool() {
    std::deque<std::function<void()>> dropped;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        if (on_stop_ == OnStop::DropQueued) dropped.swap(jobs_);
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

bool JobPool::post(std::function<void()> job) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ || jobs_.size() >= capacity_) return false;
        jobs_.push_back(std::move(job));
    }
    wake_.notify_one();
    return true;
}

std::size_t JobPool::queued() const {
    std::lock_guard lock(mutex_);
    return jobs_.size();
}

bool JobPool::stopping() const {
    std::lock_guard lock(mutex_);
    return stopping_;
}

void JobPool::run() {
    for (;;) {
        std::function<void()> job;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
            if (jobs_.empty()) return;  // stopping, and nothing queued is left to run
            job = std::move(jobs_.front());
            jobs_.pop_front();
        }
        try {
            job();
        } catch (const std::exception& e) {  // jobs answer their own errors; this is a last guard
            log::error("jobs", "{} job failed: {}", name_, e.what());
        } catch (...) {
            log::error("jobs", "{} job failed", name_);
        }
    }
}

}  // namespace coupon::base
