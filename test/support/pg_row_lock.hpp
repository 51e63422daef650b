#pragma once
// PostgreSQL tests: a policy's row lock held in a transaction of the test's own, so every consumer's decision
// for the policy waits (as behind a slow or stuck writer) until release() or destruction.
#include <libpq-fe.h>

#include <cstdint>
#include <stdexcept>
#include <string>

namespace coupon::test {

// Holds a policy's row lock in a transaction of its own: every consumer's decision for the policy waits.
class PolicyRowLock {
public:
    PolicyRowLock(const std::string& url, std::int64_t policy) : conn_(PQconnectdb(url.c_str())) {
        if (PQstatus(conn_) != CONNECTION_OK) throw std::runtime_error(PQerrorMessage(conn_));
        exec("BEGIN");
        exec("SELECT id FROM coupon_policy WHERE id = " + std::to_string(policy) + " FOR UPDATE");
    }
    ~PolicyRowLock() { PQfinish(conn_); }  // ends the transaction if release() was not called
    PolicyRowLock(const PolicyRowLock&) = delete;
    PolicyRowLock& operator=(const PolicyRowLock&) = delete;
    void release() { exec("COMMIT"); }

private:
    void exec(const std::string& sql) {
        PGresult* result = PQexec(conn_, sql.c_str());
        const auto status = PQresultStatus(result);
        const std::string why = PQresultErrorMessage(result);
        PQclear(result);
        if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) throw std::runtime_error(sql + ": " + why);
    }
    PGconn* conn_;
};

}  // namespace coupon::test
