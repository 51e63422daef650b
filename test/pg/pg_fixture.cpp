// The PostgreSQL half of store_fixture.hpp: each test gets its own database (CREATE DATABASE t_...) on
// the server named by COUPON_TEST_PG_URL, dropped afterwards; RawDb is a plain libpq connection.
// Without COUPON_TEST_PG_URL the process starts its own throwaway server (slower: one per test process).
#include <fmt/format.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cstdlib>
#include <memory>
#include <random>
#include <stdexcept>

#include "pgtmp_server.hpp"
#include "store_fixture.hpp"

namespace coupon::test {
namespace {

const std::string& server_url() {
    static const std::string url = [] {
        if (const char* env = std::getenv("COUPON_TEST_PG_URL"); env != nullptr && *env != '\0') {
            return std::string(env);
        }
        static PgTmpServer own;  // stopped when the process exits
        fmt::print(stderr, "COUPON_TEST_PG_URL is not set: started a throwaway PostgreSQL in {}\n", own.dir());
        return own.url();
    }();
    return url;
}


class PgTestDatabase final : public TestDatabase {
public:
    PgTestDatabase() {
        static std::atomic<int> counter{0};
        std::random_device random;
        name_ = fmt::format("t_{}_{}_{:08x}", getpid(), counter++, random());
        RawDb(server_url()).exec("CREATE DATABASE " + name_);
        url_ = pg_url_with_database(server_url(), name_);
    }
    ~PgTestDatabase() override {
        try {
            // FORCE: a test that failed half-way may have left connections behind.
            RawDb(server_url()).exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
        } catch (const std::exception& e) {
            fmt::print(stderr, "dropping test database {}: {}\n", name_, e.what());
        }
    }
    const std::string& url() const override { return url_; }

private:
    std::string name_, url_;
};

using Result = std::unique_ptr<PGresult, decltype(&PQclear)>;

}  // namespace

std::unique_ptr<TestDatabase> create_test_database() { return std::make_unique<PgTestDatabase>(); }

struct RawDb::Impl {
    PGconn* conn = nullptr;

    Result run(const std::string& sql) {
        Result r(PQexec(conn, sql.c_str()), &PQclear);
        const auto status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
        if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
            throw std::runtime_error(sql + ": " + PQerrorMessage(conn));
        }
        return r;
    }
};

RawDb::RawDb(const std::string& store_url, int /*busy_timeout_ms*/) : impl_(std::make_unique<Impl>()) {
    impl_->conn = PQconnectdb(store_url.c_str());
    if (PQstatus(impl_->conn) != CONNECTION_OK) {
        const std::string why = PQerrorMessage(impl_->conn);
        PQfinish(impl_->conn);
        throw std::runtime_error("raw connect " + store_url + ": " + why);
    }
    impl_->run("SET client_min_messages = warning");
}

RawDb::~RawDb() { PQfinish(impl_->conn); }

void RawDb::exec(const std::string& sql) { impl_->run(sql); }

std::vector<std::string> RawDb::column(const std::string& sql) {
    const Result r = impl_->run(sql);
    std::vector<std::string> out;
    for (int row = 0; row < PQntuples(r.get()); ++row) {
        out.emplace_back(PQgetisnull(r.get(), row, 0) != 0 ? "NULL" : PQgetvalue(r.get(), row, 0));
    }
    return out;
}

long long RawDb::scalar(const std::string& sql) {
    const auto rows = column(sql);
    if (rows.empty()) throw std::runtime_error(sql + ": no row");
    return std::stoll(rows.front());
}

}  // namespace coupon::test
