// Opening a PostgreSQL database: the backend is chosen by the URL, and nodes starting together migrate
// once (pg_advisory_xact_lock), not twice and not with an error.
#include <catch2/catch.hpp>

#include <latch>
#include <thread>

#include "store_fixture.hpp"

using namespace coupon;

TEST_CASE("four nodes opening a fresh database at once apply each migration once", "[pg]") {
    const auto place = test::create_test_database();
    constexpr int kNodes = 4;
    std::latch start(kNodes);
    std::string errors[kNodes];
    std::unique_ptr<store::Database> dbs[kNodes];
    std::vector<std::thread> nodes;
    for (int i = 0; i < kNodes; ++i) {
        nodes.emplace_back([&, i] {
            try {
                store::DatabaseConfig config;
                config.url = place->url();
                config.pool_size = 1;
                start.arrive_and_wait();
                dbs[i] = store::Database::open(config);
            } catch (const std::exception& e) {
                errors[i] = e.what();
            }
        });
    }
    for (auto& t : nodes) t.join();
    for (const auto& e : errors) CHECK(e.empty());
    REQUIRE(dbs[0] != nullptr);
    CHECK(dbs[0]->backend_name() == "postgresql");
    test::RawDb raw(place->url());
    CHECK(raw.column("SELECT version FROM schema_version ORDER BY version") ==
          std::vector<std::string>{"1", "2", "3", "4", "5", "6", "7"});
    CHECK(dbs[3]->queries().ping());
}

TEST_CASE("postgres:// is accepted as well as postgresql://", "[pg]") {
    const auto place = test::create_test_database();
    store::DatabaseConfig config;
    config.url = "postgres://" + place->url().substr(std::string("postgresql://").size());
    auto db = store::Database::open(config);
    CHECK(db->backend_name() == "postgresql");
    CHECK(db->queries().create_policy(test::new_policy("p", 1)).id > 0);
}
