// The store's PostgreSQL sessions plan every execution of a prepared statement for its own arrays: a
// generic plan chosen after a few small batches joined each later batch against the whole coupon table
// (scripts/bench 7-sync-pg after a warm-up: 2,100 instead of 9,600 requests/s).
#include <catch2/catch.hpp>
#include <soci/soci.h>

#include "postgresql_connect.hpp"
#include "store_fixture.hpp"

using namespace coupon;
using namespace std::chrono_literals;

TEST_CASE("a store session never settles on a generic plan for a batch statement", "[pg]") {
    const auto place = test::create_test_database();
    {
        // The schema, so the statement below has its tables.
        store::DatabaseConfig config;
        config.url = place->url();
        (void)store::Database::open(config);
    }
    soci::session sql;
    store::open_postgresql(sql, {place->url(), 5s, 30s, 5s});
    std::string mode;
    sql << "SHOW plan_cache_mode", soci::into(mode);
    CHECK(mode == "force_custom_plan");

    // The holder lookup's shape, executed as the consumers do: small batches first.
    std::string users = "{1}", policies = "{1}";
    long long user = 0, policy = 0;
    soci::statement st(sql);
    st.exchange(soci::use(users));
    st.exchange(soci::use(policies));
    st.exchange(soci::into(user));
    st.exchange(soci::into(policy));
    st.alloc();
    st.prepare("SELECT c.user_id, c.coupon_policy_id FROM unnest(CAST(:u AS bigint[]), CAST(:p AS bigint[])) "
               "AS k(u, p) JOIN coupon c ON c.user_id = k.u AND c.coupon_policy_id = k.p");
    st.define_and_bind();
    for (int i = 0; i < 10; ++i) st.execute(true);
    long long generic = -1, custom = -1;
    sql << "SELECT COALESCE(SUM(generic_plans), 0), COALESCE(SUM(custom_plans), 0) FROM pg_prepared_statements",
        soci::into(generic), soci::into(custom);
    CHECK(generic == 0);
    CHECK(custom >= 10);
}
