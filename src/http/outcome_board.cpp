#include "coupon/http/outcome_board.hpp"

#include <exception>

#include "coupon/base/log.hpp"

namespace coupon::http {
namespace {

// A waiter's callback runs outside the board's lock; whatever it throws stays here, because the caller
// is a broker or timer thread that must keep running.
void fire(const OutcomeBoard::Callback& callback, std::optional<domain::IssueResult> result) {
    try {
        callback(std::move(result));
    } catch (const std::exception& e) {
        log::error("http", "outcome waiter failed: {}", e.what());
    }
}

}  // namespace

OutcomeBoard::OutcomeBoard(std::size_t recent_capacity, std::size_t holder_capacity)
    : recent_capacity_(recent_capacity == 0 ? 1 : recent_capacity),
      holders_(holder_capacity),
      timer_([this] { run_timer(); }) {}

OutcomeBoard::~OutcomeBoard() { stop(); }

void OutcomeBoard::remember(const std::string& request_id) {
    if (!recent_.try_emplace(request_id).second) return;
    recent_order_.push_back(request_id);
    while (recent_order_.size() > recent_capacity_) {
        recent_.erase(recent_order_.front());
        recent_order_.pop_front();
    }
}

void OutcomeBoard::wait(const std::string& request_id, Deadline deadline, Callback callback) {
    std::optional<Callback> replaced;
    std::optional<domain::IssueResult> known;
    bool answer_now = false;
    {
        std::lock_guard lock(mutex_);
        if (stopping_) {
            answer_now = true;
        } else {
            remember(request_id);
            if (auto it = recent_.find(request_id); it != recent_.end() && it->second.result) {
                known = it->second.result;
                answer_now = true;
            } else {
                const auto seq = next_seq_++;
                if (auto old = waiters_.find(request_id); old != waiters_.end()) {
                    replaced = std::move(old->second.callback);
                    waiters_.erase(old);
                }
                waiters_.emplace(request_id, Waiter{std::move(callback), seq});
                const bool earliest = deadlines_.empty() || deadline < deadlines_.top().deadline;
                deadlines_.push(Due{deadline, seq, request_id});
                if (earliest) wake_.notify_one();
            }
        }
    }
    if (replaced) fire(*replaced, std::nullopt);
    if (answer_now) fire(callback, std::move(known));
}

void OutcomeBoard::track(const std::string& request_id) {
    std::lock_guard lock(mutex_);
    remember(request_id);
}

void OutcomeBoard::confirm(const std::string& request_id) {
    std::lock_guard lock(mutex_);
    auto it = recent_.find(request_id);
    if (it != recent_.end() && it->second.state == State::Unconfirmed) it->second.state = State::Pending;
}

void OutcomeBoard::not_queued(const std::string& request_id) {
    std::lock_guard lock(mutex_);
    waiters_.erase(request_id);  // its heap entry goes stale and is skipped when due
    auto it = recent_.find(request_id);
    if (it != recent_.end() && it->second.state == State::Unconfirmed) it->second.state = State::NotQueued;
}

void OutcomeBoard::release(const std::string& request_id) {
    std::lock_guard lock(mutex_);
    waiters_.erase(request_id);
}

void OutcomeBoard::cancel(const std::string& request_id) {
    std::lock_guard lock(mutex_);
    waiters_.erase(request_id);  // its heap entry goes stale and is skipped when due
    recent_.erase(request_id);   // its recent_order_ entry is harmless: erasing a missing key is a no-op
}

void OutcomeBoard::publish(const domain::IssueResult& result) {
    holders_.learn(result);
    std::optional<Callback> callback;
    {
        std::lock_guard lock(mutex_);
        if (result.outcome == domain::Outcome::SoldOut || result.remaining == 0) sold_out_.insert(result.policy_id);
        auto it = recent_.find(result.request_id);
        if (it == recent_.end()) return;  // accepted by another node: only the stock news matters here
        // A result settles every state, NOT_QUEUED included: it proves the record was stored after all.
        it->second.state = State::Decided;
        it->second.result = result;
        if (auto w = waiters_.find(result.request_id); w != waiters_.end()) {
            callback = std::move(w->second.callback);
            waiters_.erase(w);
        }
    }
    if (callback) fire(*callback, result);
}

bool OutcomeBoard::is_pending(const std::string& request_id) const {
    std::lock_guard lock(mutex_);
    auto it = recent_.find(request_id);
    return it != recent_.end() && (it->second.state == State::Unconfirmed || it->second.state == State::Pending);
}

std::optional<OutcomeBoard::Status> OutcomeBoard::status(const std::string& request_id) const {
    std::lock_guard lock(mutex_);
    auto it = recent_.find(request_id);
    if (it == recent_.end()) return std::nullopt;
    return Status{it->second.state, it->second.result};
}

void OutcomeBoard::mark_sold_out(domain::PolicyId policy) {
    std::lock_guard lock(mutex_);
    sold_out_.insert(policy);
}

bool OutcomeBoard::is_sold_out(domain::PolicyId policy) const {
    std::lock_guard lock(mutex_);
    return sold_out_.contains(policy);
}

std::size_t OutcomeBoard::waiting() const {
    std::lock_guard lock(mutex_);
    return waiters_.size();
}

void OutcomeBoard::run_timer() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        if (deadlines_.empty()) {
            wake_.wait(lock);
            continue;
        }
        const Due due = deadlines_.top();
        if (std::chrono::steady_clock::now() < due.deadline) {
            wake_.wait_until(lock, due.deadline);
            continue;  // woken early: a new earlier deadline, a stop, or spurious
        }
        deadlines_.pop();
        auto w = waiters_.find(due.request_id);
        if (w == waiters_.end() || w->second.seq != due.seq) continue;  // answered, cancelled or replaced
        Callback callback = std::move(w->second.callback);
        waiters_.erase(w);
        lock.unlock();
        fire(callback, std::nullopt);
        lock.lock();
    }
}

void OutcomeBoard::stop() {
    std::unordered_map<std::string, Waiter> left;
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        stopping_ = true;
        left.swap(waiters_);
        deadlines_ = {};
    }
    wake_.notify_all();
    if (timer_.joinable()) timer_.join();
    for (auto& [id, waiter] : left) fire(waiter.callback, std::nullopt);
}

}  // namespace coupon::http
