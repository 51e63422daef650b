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
        if (failures_left_ > 0) {
            --failures_left_;
            throw StoreError("in-memory store: injected failure");
        }
    }
    return std::make_unique<InMemoryTransaction>(*this);
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
