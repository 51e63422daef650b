#pragma once
// Rows for PostgreSQL's COPY .. FROM STDIN (text format), and the call that sends them. The issue path's
// plain inserts of a batch go this way: PostgreSQL stores COPY's rows many to a page in one step each
// (heap_multi_insert), where INSERT .. SELECT FROM unnest(..) inserts and logs them one at a time: 5,000
// coupon rows took about half as long (docs/benchmark.md). Conflicts fail COPY as they fail INSERT: on the
// unique key, with SQLSTATE 23505, and nothing of it stays.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "coupon/domain/types.hpp"

namespace soci {
class session;
}

namespace coupon::store {

class PgCopyRows {
public:
    // The fields of the current row, in the COPY statement's column order; end_row() closes it.
    void add(std::int64_t value);
    void add(std::string_view text);  // any bytes but NUL (which PostgreSQL text cannot hold anyway)
    void add_time(domain::TimePoint t);  // as db_time writes it (sql_text.hpp)
    void add_null();
    void end_row();

    std::size_t rows() const { return rows_; }
    bool empty() const { return rows_ == 0; }
    const std::string& text() const { return text_; }

private:
    void separate();
    std::string text_;
    std::size_t rows_ = 0;
    bool row_open_ = false;
};

// Runs `copy_statement` (COPY table(columns) FROM STDIN) with `rows` on the session's connection, inside
// whatever transaction is open there, and returns the number of rows PostgreSQL stored. Throws
// soci::postgresql_soci_error with PostgreSQL's message and SQLSTATE, as a SOCI statement would.
std::size_t copy_rows(soci::session& sql, const std::string& copy_statement, const PgCopyRows& rows);

}  // namespace coupon::store
