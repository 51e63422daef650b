#pragma once
// PostgreSQL array literals ("{1,2,3}", {"a","b"}) built as text and bound as ONE parameter, expanded
// server-side with unnest(CAST(:x AS bigint[]), ...). SOCI's vector binding would send one round
// trip per element; this keeps a whole batch in one statement.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

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

// Rows given field by field, as PgCopyRows takes them (pg_copy.hpp), kept as one array literal per column:
// the same code fills either.
class PgColumns {
public:
    explicit PgColumns(std::size_t columns) : columns_(columns) {}
    void add(std::int64_t value) { next().add(value); }
    void add(std::string_view text) { next().add(text); }
    void add_time(domain::TimePoint t) { next().add_time(t); }
    void add_null() { next().add_null(); }
    void end_row() {
        column_ = 0;
        ++rows_;
    }
    std::size_t rows() const { return rows_; }
    bool empty() const { return rows_ == 0; }
    // Column `k`'s literal; that column is empty again afterwards.
    std::string take(std::size_t k) { return columns_.at(k).take(); }

private:
    PgArray& next() { return columns_.at(column_++); }
    std::vector<PgArray> columns_;
    std::size_t column_ = 0;
    std::size_t rows_ = 0;
};

}  // namespace coupon::store
