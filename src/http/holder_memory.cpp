#include "coupon/http/holder_memory.hpp"

namespace coupon::http {

void HolderMemory::learn(const domain::IssueResult& result) {
    if (capacity_ == 0) return;
    if (result.outcome != domain::Outcome::Issued && result.outcome != domain::Outcome::AlreadyIssued) return;
    const domain::UserPolicy pair{result.user_id, result.policy_id};
    std::lock_guard lock(mutex_);
    if (!pairs_.insert(pair).second) return;
    order_.push_back(pair);
    while (order_.size() > capacity_) {
        pairs_.erase(order_.front());
        order_.pop_front();
    }
}

bool HolderMemory::holds(domain::UserId user, domain::PolicyId policy) const {
    std::lock_guard lock(mutex_);
    return pairs_.contains({user, policy});
}

std::size_t HolderMemory::size() const {
    std::lock_guard lock(mutex_);
    return pairs_.size();
}

}  // namespace coupon::http
