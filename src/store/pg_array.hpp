#pragma once
// PostgreSQL array literals ("{1,2,3}", {"a","b"}) built as text and bound as ONE parameter, expanded
// server-side with unnest(CAST(:x AS bigint[]), ...). SOCI's vector binding would send one round
// trip per element; this keeps a whole batch in one statement.
#include <cstdint>
#include <string>
#include <string_view>

#include "coupon/domain/types.hpp"

namespace coupon::store {

class PgArray {
public:
    void add(std::int64_t value);
    void add(std::string_view text);  // any bytes but NUL (which PostgreSQL text cannot hold anyway)
    void add_time(domain::TimePoint t);  // as db_time writes it (sql_text.hpp), without a string of its own
    void add_null();
    bool empty() const { return count_ == 0; }
    std::size_t size() const { return count_; }
    // The literal; the builder is empty again afterwards.
    std::string take();

private:
    void separate();
    std::string text_ = "{";
    std::size_t count_ = 0;
};

}  // namespace coupon::store
