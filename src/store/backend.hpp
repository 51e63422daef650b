#pragma once
// The seam between Database and one database engine. Each backend lives in its own files
// (sqlite_*.cpp, postgresql_*.cpp) and is chosen once, from database.url, in Database::open.
#include <memory>
#include <string>

#include "coupon/domain/coupon_queries.hpp"
#include "coupon/domain/dead_letters.hpp"
#include "coupon/domain/issue_store.hpp"
#include "coupon/store/database.hpp"

namespace coupon::store {

class Backend {
public:
    virtual ~Backend() = default;
    virtual std::string name() const = 0;
    virtual std::unique_ptr<domain::IssueStore> issue_store() = 0;
    virtual domain::CouponQueries& queries() = 0;
    virtual bool record_failed(const domain::IssueRequest& request, const std::string& error) = 0;
    virtual domain::DeadLetterStore& dead_letters() = 0;
    virtual std::unique_ptr<domain::DeadLetterStore> dead_letter_store() = 0;
};

// Each opens the database, applies migrations, and throws std::runtime_error on failure.
std::unique_ptr<Backend> open_sqlite_backend(const std::string& path, const DatabaseConfig& config);
std::unique_ptr<Backend> open_postgresql_backend(const std::string& url, const DatabaseConfig& config);

}  // namespace coupon::store
