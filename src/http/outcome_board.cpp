#include "coupon/http/outcome_board.hpp"

#include <exception>

#include "coupon/base/log.hpp"
#include "coupon/base/thread_name.hpp"

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

void OutcomeBoard::remember(const std::string& request_id, domain::PolicyId policy) {
    const auto [it, added] = recent_.try_emplace(request_id);
    if (policy != 0) it->second.policy = policy;
    if (!added) return;
    recent_order_.push_back(request_id);
    while (recent_order_.size() > recent_capacity_) {
        recent_.erase(recent_order_.front());
        recent_order_.pop_front();
    }
}

void OutcomeBoard::wait(const std::string& request_id, Deadline deadline, Callback callback, domain::PolicyId policy) {
    std::optional<Callback> replaced;
    std::optional<domain::IssueResult> known;
    bool answer_now = false;
    {
        std::lock_guard lock(mutex_);
        if (stopping_) {
            answer_now = true;
        } else {
            remember(request_id, policy);
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

void OutcomeBoard::track(const std::string& request_id, domain::PolicyId policy) {
    std::lock_guard lock(mutex_);
    remember(request_id, policy);
}

void OutcomeBoard::confirm(const std::string& request_id, bool drop_waiter) {
    std::lock_guard lock(mutex_);
    if (drop_waiter) waiters_.erase(request_id);  // its heap entry goes stale and is skipped when due
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
    std::vector<Watcher> watchers;
    // Fired on every path out, outside the lock.
    struct FireWatchers {
        std::vector<Watcher>& list;
        const domain::IssueResult& result;
        ~FireWatchers() {
            for (auto& w : list) {
                try {
                    w(result);
                } catch (const std::exception& e) {
                    log::error("http", "outcome watcher failed: {}", e.what());
                }
            }
        }
    } fire_watchers{watchers, result};
    {
        std::lock_guard lock(mutex_);
        const bool none_left = result.outcome == domain::Outcome::SoldOut || result.remaining == 0;
        if (none_left) {
            std::lock_guard sold_out_lock(sold_out_mutex_);
            sold_out_.insert(result.policy_id);
        }
        // A NOT_OPEN result may come before the window opens, while an admin may still change the stock
        // (docs/policy-lifecycle.md): its figure would be kept after a raise. Every other outcome is decided
        // inside the window, when the stock can only fall.
        if (result.outcome != domain::Outcome::NotFound && result.outcome != domain::Outcome::Pending &&
            result.outcome != domain::Outcome::NotOpen) {
            if (result.remaining >= 0) learn_stock_locked(result.policy_id, result.remaining, result.decided_at);
            else if (none_left) learn_stock_locked(result.policy_id, 0, result.decided_at);
        }
        if (result.outcome != domain::Outcome::Pending) {
            auto [from, to] = watchers_.equal_range(result.request_id);
            for (auto w = from; w != to; ++w) watchers.push_back(std::move(w->second.second));
            watchers_.erase(from, to);
        }
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
    return Status{it->second.state, it->second.result, it->second.policy};
}

void OutcomeBoard::learn_stock_locked(domain::PolicyId policy, std::int64_t remaining,
                                      std::optional<domain::TimePoint> at) {
    auto it = stock_.find(policy);
    if (it == stock_.end()) {
        if (stock_.size() >= kMaxStockPolicies) return;
        it = stock_.emplace(policy, Stock{remaining, std::nullopt}).first;
    } else if (remaining < it->second.remaining) {
        it->second.remaining = remaining;
    }
    if (it->second.remaining == 0 && !it->second.sold_out_at && at) it->second.sold_out_at = at;
}

std::optional<OutcomeBoard::Stock> OutcomeBoard::stock(domain::PolicyId policy) const {
    std::lock_guard lock(mutex_);
    auto it = stock_.find(policy);
    if (it == stock_.end()) return std::nullopt;
    return it->second;
}

void OutcomeBoard::learn_stock(domain::PolicyId policy, std::int64_t remaining) {
    if (remaining < 0) return;
    std::lock_guard lock(mutex_);
    learn_stock_locked(policy, remaining, std::nullopt);
}

std::uint64_t OutcomeBoard::watch(const std::string& request_id, Watcher watcher) {
    std::lock_guard lock(mutex_);
    const auto token = next_watch_++;
    watchers_.emplace(request_id, std::make_pair(token, std::move(watcher)));
    return token;
}

void OutcomeBoard::unwatch(const std::string& request_id, std::uint64_t token) {
    std::lock_guard lock(mutex_);
    auto [from, to] = watchers_.equal_range(request_id);
    for (auto w = from; w != to; ++w) {
        if (w->second.first == token) {
            watchers_.erase(w);
            return;
        }
    }
}

void OutcomeBoard::mark_sold_out(domain::PolicyId policy) {
    std::lock_guard lock(sold_out_mutex_);
    sold_out_.insert(policy);
}

bool OutcomeBoard::is_sold_out(domain::PolicyId policy) const {
    std::lock_guard lock(sold_out_mutex_);
    return sold_out_.contains(policy);
}

std::size_t OutcomeBoard::watching() const {
    std::lock_guard lock(mutex_);
    return watchers_.size();
}

std::size_t OutcomeBoard::waiting() const {
    std::lock_guard lock(mutex_);
    return waiters_.size();
}

void OutcomeBoard::run_timer() {
    base::name_this_thread("outcome-timer");
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        if (deadlines_.empty()) {
            wake_.wait(lock);
            continue;
        }
        const Due due = deadlines_.top();
        if (std::chrono::steady_clock::now() < due.deadline) {
            // Every request leaves a deadline here, and nearly all are answered before it: waking for each
            // one cost a wake-up per request (10k a second at saturation) to pop an answered entry. Waking
            // kDeadlineSlack late pops all that fell due meanwhile at once.
            wake_.wait_until(lock, due.deadline + kDeadlineSlack);
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
