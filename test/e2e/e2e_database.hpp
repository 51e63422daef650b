#pragma once
// The database an e2e server runs on, chosen at build time: e2e_tests use a SQLite file in the test's
// temp dir, e2e_pg_tests a fresh database on the throwaway PostgreSQL of COUPON_TEST_PG_URL (scripts/test
// starts it). count() reads it with the backend's own C client, independent of the server's store.
#include <memory>
#include <string>

namespace coupon::test {

class E2eDatabase {
public:
    virtual ~E2eDatabase() = default;
    virtual const std::string& url() const = 0;  // database.url for the server
    virtual long long count(const std::string& sql) = 0;
};

std::unique_ptr<E2eDatabase> create_e2e_database(const std::string& temp_dir);

}  // namespace coupon::test
