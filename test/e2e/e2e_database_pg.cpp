#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <thread>

#include "e2e_database.hpp"
#include "pgtmp_server.hpp"

namespace coupon::test {
namespace {

using Connection = std::unique_ptr<PGconn, decltype(&PQfinish)>;

Connection connect(const std::string& url) {
    Connection c(PQconnectdb(url.c_str()), &PQfinish);
    if (PQstatus(c.get()) != CONNECTION_OK) throw std::runtime_error("connect " + url + ": " + PQerrorMessage(c.get()));
    return c;
}

std::string exec_scalar(PGconn* conn, const std::string& sql) {
    std::unique_ptr<PGresult, decltype(&PQclear)> r(PQexec(conn, sql.c_str()), &PQclear);
    const auto status = PQresultStatus(r.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        throw std::runtime_error(sql + ": " + PQerrorMessage(conn));
    }
    return status == PGRES_TUPLES_OK && PQntuples(r.get()) > 0 ? PQgetvalue(r.get(), 0, 0) : "";
}


class PgE2eDatabase final : public E2eDatabase {
public:
    PgE2eDatabase() {
        const char* env = std::getenv("COUPON_TEST_PG_URL");
        if (env == nullptr || *env == '\0') {
            throw std::runtime_error("COUPON_TEST_PG_URL is not set: run the PostgreSQL e2e tier through scripts/test");
        }
        server_url_ = env;
        static std::atomic<int> counter{0};
        name_ = "e2e_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
        exec_scalar(connect(server_url_).get(), "CREATE DATABASE " + name_);
        url_ = pg_url_with_database(server_url_, name_);
    }
    ~PgE2eDatabase() override {
        try {
            exec_scalar(connect(server_url_).get(), "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
        } catch (const std::exception&) {
            // best effort: the throwaway server is removed anyway
        }
    }
    const std::string& url() const override { return url_; }
    long long count(const std::string& sql) override { return std::stoll(exec_scalar(connect(url_).get(), sql)); }

    void refuse_writes_for(std::chrono::milliseconds duration, const std::function<void()>& on_locked) override {
        auto conn = connect(url_);
        exec_scalar(conn.get(), "BEGIN");
        exec_scalar(conn.get(), "LOCK TABLE coupon_policy IN ACCESS EXCLUSIVE MODE");
        if (on_locked) on_locked();
        std::this_thread::sleep_for(duration);
        exec_scalar(conn.get(), "COMMIT");
    }

    void refuse_coupons_of(long long user_id) override {
        auto conn = connect(url_);
        const std::string id = std::to_string(user_id);
        exec_scalar(conn.get(), "CREATE FUNCTION refuse_user_" + id +
                                    "() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.user_id = " + id +
                                    " THEN RAISE EXCEPTION 'coupon refused by a test trigger'; END IF; RETURN NEW; "
                                    "END $$");
        exec_scalar(conn.get(), "CREATE TRIGGER refuse_user_" + id + " BEFORE INSERT ON coupon FOR EACH ROW EXECUTE "
                                    "FUNCTION refuse_user_" + id + "()");
    }

private:
    std::string server_url_, name_, url_;
};

}  // namespace

std::unique_ptr<E2eDatabase> create_e2e_database(const std::string&) { return std::make_unique<PgE2eDatabase>(); }

}  // namespace coupon::test
