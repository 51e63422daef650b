#include <sqlite3.h>

#include <stdexcept>
#include <thread>

#include "e2e_database.hpp"

namespace coupon::test {
namespace {

class SqliteE2eDatabase final : public E2eDatabase {
public:
    explicit SqliteE2eDatabase(const std::string& dir) : file_(dir + "/data/coupons.db"), url_("sqlite:" + file_) {}
    const std::string& url() const override { return url_; }

    long long count(const std::string& sql) override {
        sqlite3* db = nullptr;
        if (sqlite3_open_v2(file_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
            sqlite3_close(db);
            throw std::runtime_error("cannot open " + file_);
        }
        sqlite3_busy_timeout(db, 5000);
        sqlite3_stmt* st = nullptr;
        long long n = -1;
        if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
            n = sqlite3_column_int64(st, 0);
        }
        const std::string why = sqlite3_errmsg(db);
        sqlite3_finalize(st);
        sqlite3_close(db);
        if (n < 0) throw std::runtime_error(sql + ": " + why);
        return n;
    }

    void refuse_writes_for(std::chrono::milliseconds duration, const std::function<void()>& on_locked) override {
        sqlite3* db = nullptr;
        if (sqlite3_open_v2(file_.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
            sqlite3_close(db);
            throw std::runtime_error("cannot open " + file_);
        }
        sqlite3_busy_timeout(db, 5000);
        const bool locked = sqlite3_exec(db, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr) == SQLITE_OK;
        if (locked) {
            if (on_locked) on_locked();
            std::this_thread::sleep_for(duration);
        }
        sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
        sqlite3_close(db);
        if (!locked) throw std::runtime_error("could not take the exclusive lock on " + file_);
    }

    void refuse_coupons_of(long long user_id) override {
        sqlite3* db = nullptr;
        if (sqlite3_open_v2(file_.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
            sqlite3_close(db);
            throw std::runtime_error("cannot open " + file_);
        }
        sqlite3_busy_timeout(db, 5000);
        const std::string sql = "CREATE TRIGGER refuse_user_" + std::to_string(user_id) +
                                " BEFORE INSERT ON coupon WHEN NEW.user_id = " + std::to_string(user_id) +
                                " BEGIN SELECT RAISE(ABORT, 'coupon refused by a test trigger'); END";
        char* error = nullptr;
        const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
        const std::string why = error ? error : "";
        sqlite3_free(error);
        sqlite3_close(db);
        if (rc != SQLITE_OK) throw std::runtime_error(sql + ": " + why);
    }

private:
    std::string file_, url_;
};

}  // namespace

std::unique_ptr<E2eDatabase> create_e2e_database(const std::string& temp_dir) {
    return std::make_unique<SqliteE2eDatabase>(temp_dir);
}

}  // namespace coupon::test
