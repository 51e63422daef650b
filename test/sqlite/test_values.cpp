// Backend-independent helpers of store_fixture.hpp.
#include <stdlib.h>

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
