#include "coupon/store/database.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "database_url.hpp"
#include "sql_backend.hpp"

namespace coupon::store {

std::unique_ptr<Database> Database::open(const DatabaseConfig& config) {
    if (config.pool_size < 1) {
        throw std::runtime_error(fmt::format("database.pool_size: must be at least 1, got {}", config.pool_size));
    }
    if (config.busy_timeout.count() < 0) throw std::runtime_error("database.busy_timeout_ms: must not be negative");
    if (config.statement_timeout.count() < 0) {
        throw std::runtime_error("database.statement_timeout_ms: must not be negative");
    }
    if (config.connect_timeout.count() < 0) {
        throw std::runtime_error("database.connect_timeout_ms: must not be negative");
    }
    const DatabaseUrl url = parse_database_url(config.url);
    std::unique_ptr<SqlBackend> backend = url.kind == DatabaseUrl::Kind::Sqlite
                                              ? open_sqlite_backend(url.target, config)
                                              : open_postgresql_backend(url.target, config);
    return std::unique_ptr<Database>(new Database(std::move(backend)));
}

Database::Database(std::unique_ptr<SqlBackend> backend) : backend_(std::move(backend)) {}
Database::~Database() = default;

std::unique_ptr<domain::IssueStore> Database::issue_store() { return backend_->issue_store(); }
domain::CouponQueries& Database::queries() { return backend_->queries(); }
domain::DeadLetterStore& Database::dead_letters() { return backend_->dead_letters(); }
std::unique_ptr<domain::DeadLetterStore> Database::dead_letter_store() { return backend_->dead_letter_store(); }
domain::PolicyLifecycle& Database::policy_lifecycle() { return backend_->policy_lifecycle(); }
std::string Database::backend_name() const { return backend_->name(); }
std::string Database::identity() const { return backend_->identity(); }

}  // namespace coupon::store
