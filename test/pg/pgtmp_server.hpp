#pragma once
// A throwaway PostgreSQL server owned by the test process, through scripts/pgtmp: started in the
// constructor, stopped and removed in the destructor.
#include <string>

namespace coupon::test {

// `url` (any libpq URL or conninfo) with its database replaced by `database`, as a postgresql:// URL: what
// database.url takes. Each test creates its own database on a shared server and points the store there.
std::string pg_url_with_database(const std::string& url, const std::string& database);

class PgTmpServer {
public:
    PgTmpServer();  // throws std::runtime_error with the script's output
    ~PgTmpServer();
    PgTmpServer(const PgTmpServer&) = delete;
    PgTmpServer& operator=(const PgTmpServer&) = delete;

    // Fast shutdown and start of the same data directory: connections die, data stays.
    void restart();
    // Fast shutdown, data kept (the socket goes away: "connection refused"), and the start after it.
    void halt();
    void resume();
    const std::string& dir() const { return dir_; }
    const std::string& url() const { return url_; }  // postgresql://postgres@/coupon_test?host=...&port=...

private:
    std::string dir_, url_;
};

}  // namespace coupon::test
