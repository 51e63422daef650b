#include "database_gate.hpp"

#include "coupon/domain/issue_store.hpp"

namespace coupon::app {

void DatabaseGate::attach(store::Database* database) { database_.store(database, std::memory_order_release); }

bool DatabaseGate::attached() const { return database_.load(std::memory_order_acquire) != nullptr; }

store::Database& DatabaseGate::database() const {
    store::Database* db = database_.load(std::memory_order_acquire);
    if (db == nullptr) throw domain::StoreError("the node is still waiting for its database (not connected yet)");
    return *db;
}

domain::CouponPolicy DatabaseGate::create_policy(const domain::NewCouponPolicy& policy) {
    return database().queries().create_policy(policy);
}
std::optional<domain::CouponPolicy> DatabaseGate::find_policy(domain::PolicyId id) {
    return database().queries().find_policy(id);
}
std::vector<domain::CouponPolicy> DatabaseGate::policies_after(domain::PolicyId after, std::size_t limit) {
    return database().queries().policies_after(after, limit);
}
std::optional<domain::IssueResult> DatabaseGate::find_result(const std::string& request_id) {
    return database().queries().find_result(request_id);
}
std::vector<domain::Coupon> DatabaseGate::coupons_of(domain::UserId user) {
    return database().queries().coupons_of(user);
}
std::vector<domain::PolicyId> DatabaseGate::sold_out_policies() { return database().queries().sold_out_policies(); }
bool DatabaseGate::ping() { return attached() && database().queries().ping(); }

std::optional<domain::IssueResult> DatabaseGate::record(domain::DeadLetter& letter, domain::TimePoint now) {
    return database().dead_letters().record(letter, now);
}
domain::DeadLetterPage DatabaseGate::list(const domain::DeadLetterQuery& query) {
    return database().dead_letters().list(query);
}
std::optional<domain::DeadLetter> DatabaseGate::find(std::int64_t id) { return database().dead_letters().find(id); }
void DatabaseGate::mark_replayed(std::int64_t id, domain::TimePoint at) {
    database().dead_letters().mark_replayed(id, at);
}

domain::ChangeResult DatabaseGate::change(domain::PolicyId id, const domain::PolicyChange& change,
                                          const domain::Actor& actor, domain::TimePoint now) {
    return database().policy_lifecycle().change(id, change, actor, now);
}

std::vector<domain::PolicyChangeRecord> DatabaseGate::changes_of(domain::PolicyId id, std::int64_t after,
                                                                 std::size_t limit) {
    return database().policy_lifecycle().changes_of(id, after, limit);
}

}  // namespace coupon::app
