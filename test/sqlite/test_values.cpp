// Backend-independent helpers of store_fixture.hpp.
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <stdexcept>

#include "store_fixture.hpp"

namespace coupon::test {

domain::IssueRequest request(std::string id, domain::UserId user, domain::PolicyId policy) {
    domain::IssueRequest r;
    r.request_id = std::move(id);
    r.user_id = user;
    r.policy_id = policy;
    r.requested_at = at("2026-12-01T09:59:59.500Z");
    r.partition = 3;
    r.offset = 100;
    return r;
}

domain::NewCouponPolicy new_policy(std::string name, std::int64_t total) {
    domain::NewCouponPolicy p;
    p.name = std::move(name);
    p.discount_type = "AMOUNT";
    p.discount_value = 3000;
    p.total_quantity = total;
    return p;
}

std::optional<domain::IssueResult> dead_letter_for(store::Database& db, const domain::IssueRequest& request,
                                                   std::string error) {
    // Each call is another DLT record, so it is stored (and decides the outcome) even for the same request.
    static std::atomic<std::int64_t> next_offset{0};
    domain::DeadLetter letter;
    letter.topic = "coupon-issue-topic.DLT";
    letter.partition = 0;
    letter.offset = next_offset++;
    letter.original_topic = "coupon-issue-topic";
    letter.original_partition = request.partition;
    letter.original_offset = request.offset;
    letter.key = std::to_string(request.policy_id);
    letter.payload = fmt::format(R"({{"userId":{},"couponPolicyId":{}}})", request.user_id, request.policy_id);
    letter.error = std::move(error);
    letter.request = request;
    const auto now = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
    return db.dead_letters().record(letter, now);
}

StoreFixture::StoreFixture(std::chrono::milliseconds busy_timeout)
    : db(store::Database::open(config(busy_timeout))) {}

store::DatabaseConfig StoreFixture::config(std::chrono::milliseconds busy_timeout) const {
    store::DatabaseConfig c;
    c.url = url;
    c.pool_size = 2;
    c.busy_timeout = busy_timeout;
    return c;
}

}  // namespace coupon::test
