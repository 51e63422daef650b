#include "database_identity.hpp"

#include <fmt/format.h>
#include <soci/soci.h>

#include <chrono>
#include <random>

#include "sql_text.hpp"

namespace coupon::store {
namespace {

std::string random_id() {
    std::random_device random;  // the kernel's entropy: two databases created at the same instant differ
    std::string id;
    for (int i = 0; i < 4; ++i) id += fmt::format("{:08x}", random());
    return id;
}

}  // namespace

std::string ensure_database_identity(soci::session& sql, const std::function<void(soci::session&)>& begin_write) {
    begin_write(sql);
    try {
        sql << "CREATE TABLE IF NOT EXISTS coupon_database_identity (id TEXT PRIMARY KEY, created_at TEXT NOT NULL)";
        std::string id;
        soci::indicator present = soci::i_null;
        sql << "SELECT MIN(id) FROM coupon_database_identity", soci::into(id, present);
        if (present != soci::i_ok || id.empty()) {
            id = random_id();
            const std::string now =
                db_time(std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now()));
            sql << "INSERT INTO coupon_database_identity(id, created_at) VALUES(:id, :t)", soci::use(id), soci::use(now);
        }
        sql.commit();
        return id;
    } catch (const std::exception& e) {
        try {
            sql.rollback();
        } catch (...) {  // the failure may already have ended the transaction
        }
        throw std::runtime_error(fmt::format("database identity: {}", e.what()));
    }
}

}  // namespace coupon::store
