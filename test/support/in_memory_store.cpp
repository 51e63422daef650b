#include "in_memory_store.hpp"

namespace coupon::test {

using namespace coupon::domain;

class InMemoryTransaction final : public IssueTransaction {
public:
    explicit InMemoryTransaction(InMemoryStore& store) : store_(store), lock_(store.mutex_), draft_(store.state_) {}

    std::unordered_map<std::string, IssueResult> find_results(const std::vector<std::string>& ids) override {
        std::unordered_map<std::string, IssueResult> out;
        for (const auto& id : ids) {
            if (auto it = draft_.results.find(id); it != draft_.results.end()) out.emplace(id, it->second);
        }
        return out;
    }

    std::unordered_map<PolicyId, CouponPolicy> lock_policies(const std::vector<PolicyId>& ids) override {
        std::unordered_map<PolicyId, CouponPolicy> out;
        for (PolicyId id : ids) {
            if (auto it = draft_.policies.find(id); it != draft_.policies.end()) out.emplace(id, it->second);
        }
        return out;
    }

    UserPolicySet find_holders(const std::vector<UserPolicy>& pairs) override {
        UserPolicySet out;
        for (const auto& [id, coupon] : draft_.coupons) {
            for (const auto& p : pairs) {
                if (coupon.user_id == p.user_id && coupon.policy_id == p.policy_id) out.insert(p);
            }
        }
        return out;
    }

    void write(std::vector<IssueDecision>& decisions,
               const std::unordered_map<PolicyId, std::int64_t>& issued_delta) override {
        for (auto& d : decisions) {
            if (d.result.outcome == Outcome::Issued) {
                const CouponId id = draft_.next_coupon_id++;
                d.result.coupon_id = id;
                draft_.coupons[id] = Coupon{id, d.request.user_id, d.request.policy_id, d.request.request_id,
                                            d.result.issued_at.value_or(d.result.decided_at)};
            }
            draft_.results[d.result.request_id] = d.result;
        }
        for (const auto& [policy, delta] : issued_delta) draft_.policies[policy].issued_quantity += delta;
    }

    void commit() override { store_.state_ = std::move(draft_); }

private:
    InMemoryStore& store_;
    std::unique_lock<std::mutex> lock_;
    InMemoryStore::State draft_;
};

PolicyId InMemoryStore::add_policy(CouponPolicy policy) {
    std::lock_guard lock(mutex_);
    if (policy.id == 0) policy.id = static_cast<PolicyId>(state_.policies.size() + 1);
    state_.policies[policy.id] = policy;
    return policy.id;
}

std::unique_ptr<IssueTransaction> InMemoryStore::begin() {
    {
        std::lock_guard lock(mutex_);
        check_up_locked();
        if (failures_left_ > 0) {
            --failures_left_;
            throw StoreError("in-memory store: injected failure");
        }
    }
    return std::make_unique<InMemoryTransaction>(*this);
}

void InMemoryStore::check_up_locked() {
    if (down_) throw StoreError("in-memory store: database unreachable");
}

void InMemoryStore::set_down(bool down) {
    std::lock_guard lock(mutex_);
    down_ = down;
}

std::optional<IssueResult> InMemoryStore::record_dead_letter(DeadLetter& letter, TimePoint now) {
    std::lock_guard lock(mutex_);
    check_up_locked();
    for (const auto& stored : state_.dead_letters) {
        if (stored.topic == letter.topic && stored.partition == letter.partition && stored.offset == letter.offset) {
            letter.id = stored.id;
            // A redelivered dead letter changes nothing; a request still FAILED is published again.
            if (!letter.request) return std::nullopt;
            auto it = state_.results.find(letter.request->request_id);
            if (it == state_.results.end() || it->second.outcome != Outcome::Failed) return std::nullopt;
            return it->second;
        }
    }
    letter.id = static_cast<std::int64_t>(state_.dead_letters.size()) + 1;
    state_.dead_letters.push_back(letter);
    if (!letter.request) return std::nullopt;
    const IssueRequest& r = *letter.request;
    if (auto it = state_.results.find(r.request_id); it != state_.results.end() && is_final(it->second.outcome)) {
        return std::nullopt;
    }
    IssueResult failed;
    failed.request_id = r.request_id;
    failed.user_id = r.user_id;
    failed.policy_id = r.policy_id;
    failed.outcome = Outcome::Failed;
    failed.decided_at = now;
    failed.error = letter.error;
    state_.results[r.request_id] = failed;
    return failed;
}

DeadLetterPage InMemoryStore::list_dead_letters(const DeadLetterQuery& query) {
    std::lock_guard lock(mutex_);
    check_up_locked();
    DeadLetterPage page;
    for (const auto& d : state_.dead_letters) {
        if ((query.from && d.created_at < *query.from) || (query.to && d.created_at >= *query.to)) continue;
        if (page.total >= query.offset && static_cast<std::int64_t>(page.items.size()) < query.limit) {
            page.items.push_back(d);
        }
        ++page.total;
    }
    return page;
}

std::optional<DeadLetter> InMemoryStore::find_dead_letter(std::int64_t id) {
    std::lock_guard lock(mutex_);
    check_up_locked();
    if (id < 1 || id > static_cast<std::int64_t>(state_.dead_letters.size())) return std::nullopt;
    return state_.dead_letters[static_cast<std::size_t>(id - 1)];
}

void InMemoryStore::mark_dead_letter_replayed(std::int64_t id, TimePoint at) {
    std::lock_guard lock(mutex_);
    check_up_locked();
    if (id >= 1 && id <= static_cast<std::int64_t>(state_.dead_letters.size())) {
        state_.dead_letters[static_cast<std::size_t>(id - 1)].replayed_at = at;
    }
}

void InMemoryStore::fail_next(int count) {
    std::lock_guard lock(mutex_);
    failures_left_ = count;
}

InMemoryStore::State InMemoryStore::snapshot() const {
    std::lock_guard lock(mutex_);
    return state_;
}

}  // namespace coupon::test
