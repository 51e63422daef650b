#include "coupon/http/outcome_board.hpp"

#include <exception>
#include <utility>

#include "coupon/base/log.hpp"
#include "coupon/base/thread_name.hpp"
#include "request_id.hpp"

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
    : capacity_(recent_capacity == 0 ? 1 : recent_capacity),
      chunks_((capacity_ + kChunk - 1) / kChunk),
      holders_(holder_capacity),
      timer_([this] { run_timer(); }) {}

OutcomeBoard::~OutcomeBoard() { stop(); }

OutcomeBoard::Entry& OutcomeBoard::entry_at(std::size_t position) {
    auto& chunk = chunks_[position / kChunk];
    if (!chunk) chunk = std::make_unique<Entry[]>(kChunk);
    return chunk[position % kChunk];
}

std::size_t OutcomeBoard::take_position(std::vector<Callback>& evicted) {
    const auto position = static_cast<std::size_t>(positions_taken_++ % capacity_);
    Entry& entry = entry_at(position);
    if (entry.waiter_seq != 0) {
        evicted.push_back(std::move(entry.callback));
        --waiting_;  // its heap entry goes stale and is skipped when due
    }
    if (!entry.text.empty()) text_index_.erase(entry.text);
    entry = Entry{};
    return position;
}

std::optional<std::size_t> OutcomeBoard::locate(const std::string& request_id) const {
    if (const auto bits = parse_request_id(request_id)) {
        const auto position = static_cast<std::size_t>(bits->low & 0xffff'ffffULL);
        if (position < capacity_ && chunks_[position / kChunk]) {
            const Entry& entry = chunks_[position / kChunk][position % kChunk];
            if (entry.used && entry.text.empty() && entry.high == bits->high && entry.low == bits->low) {
                return position;
            }
        }
    }
    if (text_index_.empty()) return std::nullopt;
    auto it = text_index_.find(request_id);
    if (it == text_index_.end()) return std::nullopt;
    return it->second;
}

const OutcomeBoard::Entry* OutcomeBoard::find(const std::string& request_id) const {
    const auto position = locate(request_id);
    return position ? &chunks_[*position / kChunk][*position % kChunk] : nullptr;
}

OutcomeBoard::Entry* OutcomeBoard::find(const std::string& request_id) {
    return const_cast<Entry*>(std::as_const(*this).find(request_id));
}

std::size_t OutcomeBoard::claim(const std::string& request_id, domain::PolicyId policy,
                                std::vector<Callback>& evicted) {
    auto position = locate(request_id);
    if (!position) {
        position = take_position(evicted);
        Entry& entry = entry_at(*position);
        entry.used = true;
        entry.text = request_id;
        text_index_.emplace(request_id, *position);
    }
    if (policy != 0) entry_at(*position).policy = policy;
    return *position;
}

void OutcomeBoard::drop_waiter(Entry& entry) {
    if (entry.waiter_seq == 0) return;
    entry.waiter_seq = 0;  // its heap entry goes stale and is skipped when due
    entry.callback = nullptr;
    --waiting_;
}

std::string OutcomeBoard::new_request_id(domain::TimePoint now) {
    std::vector<Callback> evicted;
    std::string id;
    {
        std::lock_guard lock(mutex_);
        const auto position = take_position(evicted);
        const auto bits = new_request_bits(now, static_cast<std::uint32_t>(position));
        Entry& entry = entry_at(position);
        entry.used = true;
        entry.high = bits.high;
        entry.low = bits.low;
        id = request_id_text(bits);
    }
    for (auto& callback : evicted) fire(callback, std::nullopt);
    return id;
}

void OutcomeBoard::wait(const std::string& request_id, Deadline deadline, Callback callback, domain::PolicyId policy) {
    std::vector<Callback> evicted;
    std::optional<Callback> replaced;
    std::optional<domain::IssueResult> known;
    bool answer_now = false;
    {
        std::lock_guard lock(mutex_);
        if (stopping_) {
            answer_now = true;
        } else {
            const auto position = claim(request_id, policy, evicted);
            Entry& entry = entry_at(position);
            if (entry.result) {
                known = entry.result;
                answer_now = true;
            } else {
                if (entry.waiter_seq != 0) {
                    replaced = std::move(entry.callback);
                    --waiting_;
                }
                entry.waiter_seq = ++next_seq_;
                entry.callback = std::move(callback);
                ++waiting_;
                const bool earliest = deadlines_.empty() || deadline < deadlines_.top().deadline;
                deadlines_.push(Due{deadline, entry.waiter_seq, position});
                if (earliest) wake_.notify_one();
            }
        }
    }
    for (auto& old : evicted) fire(old, std::nullopt);
    if (replaced) fire(*replaced, std::nullopt);
    if (answer_now) fire(callback, std::move(known));
}

void OutcomeBoard::track(const std::string& request_id, domain::PolicyId policy) {
    std::vector<Callback> evicted;
    {
        std::lock_guard lock(mutex_);
        claim(request_id, policy, evicted);
    }
    for (auto& old : evicted) fire(old, std::nullopt);
}

void OutcomeBoard::confirm(const std::string& request_id, bool drop_waiter_too) {
    std::lock_guard lock(mutex_);
    Entry* entry = find(request_id);
    if (entry == nullptr) return;
    if (drop_waiter_too) drop_waiter(*entry);
    if (entry->state == State::Unconfirmed) entry->state = State::Pending;
}

void OutcomeBoard::not_queued(const std::string& request_id) {
    std::lock_guard lock(mutex_);
    Entry* entry = find(request_id);
    if (entry == nullptr) return;
    drop_waiter(*entry);
    if (entry->state == State::Unconfirmed) entry->state = State::NotQueued;
}

void OutcomeBoard::release(const std::string& request_id) {
    std::lock_guard lock(mutex_);
    if (Entry* entry = find(request_id)) drop_waiter(*entry);
}

void OutcomeBoard::cancel(const std::string& request_id) {
    std::lock_guard lock(mutex_);
    Entry* entry = find(request_id);
    if (entry == nullptr) return;
    drop_waiter(*entry);
    if (!entry->text.empty()) text_index_.erase(entry->text);
    *entry = Entry{};  // its position stays empty until the ring comes round to it
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
        if (result.outcome != domain::Outcome::Pending && !watchers_.empty()) {
            auto [from, to] = watchers_.equal_range(result.request_id);
            for (auto w = from; w != to; ++w) watchers.push_back(std::move(w->second.second));
            watchers_.erase(from, to);
        }
        Entry* entry = find(result.request_id);
        if (entry == nullptr) return;  // accepted by another node: only the stock news matters here
        // A result settles every state, NOT_QUEUED included: it proves the record was stored after all.
        entry->state = State::Decided;
        entry->result = result;
        if (entry->waiter_seq != 0) {
            callback = std::move(entry->callback);
            drop_waiter(*entry);
        }
    }
    if (callback) fire(*callback, result);
}

bool OutcomeBoard::is_pending(const std::string& request_id) const {
    std::lock_guard lock(mutex_);
    const Entry* entry = find(request_id);
    return entry != nullptr && (entry->state == State::Unconfirmed || entry->state == State::Pending);
}

std::optional<OutcomeBoard::Status> OutcomeBoard::status(const std::string& request_id) const {
    std::lock_guard lock(mutex_);
    const Entry* entry = find(request_id);
    if (entry == nullptr) return std::nullopt;
    return Status{entry->state, entry->result, entry->policy};
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

std::size_t OutcomeBoard::waiting() const { return waiting_.load(std::memory_order_relaxed); }

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
        Entry& entry = entry_at(due.position);
        if (entry.waiter_seq != due.seq) continue;  // answered, cancelled, replaced or evicted
        Callback callback = std::move(entry.callback);
        drop_waiter(entry);
        lock.unlock();
        fire(callback, std::nullopt);
        lock.lock();
    }
}

void OutcomeBoard::stop() {
    std::vector<Callback> left;
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        stopping_ = true;
        for (auto& chunk : chunks_) {
            if (!chunk) continue;
            for (std::size_t i = 0; i < kChunk; ++i) {
                if (chunk[i].waiter_seq == 0) continue;
                left.push_back(std::move(chunk[i].callback));
                drop_waiter(chunk[i]);
            }
        }
        deadlines_ = {};
    }
    wake_.notify_all();
    if (timer_.joinable()) timer_.join();
    for (auto& callback : left) fire(callback, std::nullopt);
}

}  // namespace coupon::http
