#include "replay_worker.hpp"

#include <exception>

#include "coupon/base/log.hpp"

namespace coupon::http {

ReplayWorker::ReplayWorker(std::size_t capacity) : capacity_(capacity), thread_([this] { run(); }) {}

ReplayWorker::~ReplayWorker() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

bool ReplayWorker::post(std::function<void()> job) {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ || jobs_.size() >= capacity_) return false;
        jobs_.push_back(std::move(job));
    }
    wake_.notify_one();
    return true;
}

bool ReplayWorker::stopping() const {
    std::lock_guard lock(mutex_);
    return stopping_;
}

void ReplayWorker::run() {
    for (;;) {
        std::function<void()> job;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
            if (jobs_.empty()) return;  // stopping, and every queued job has answered
            job = std::move(jobs_.front());
            jobs_.pop_front();
        }
        try {
            job();
        } catch (const std::exception& e) {  // jobs answer their own errors; this is a last guard
            log::error("http", "replay job failed: {}", e.what());
        }
    }
}

}  // namespace coupon::http
