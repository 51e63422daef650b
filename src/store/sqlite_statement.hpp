#pragma once
// The issue path's statements on SQLite's own API, without SOCI in between. SOCI's per-execution work
// (binding, type conversion, the temporaries of each call) and SQLite's per-statement start and halt were
// most of a batch's cost when every decision was its own INSERT (store_bench, docs/benchmark.md); a
// statement here inserts many rows at once and binds its text without copying it.
#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace sqlite_api {
struct sqlite3;
struct sqlite3_stmt;
}  // namespace sqlite_api

namespace soci {
class session;
}

namespace coupon::store {

// A failed SQLite call: SQLite's result code and its message; rethrow_as_store_error names both.
class SqliteError : public std::runtime_error {
public:
    SqliteError(int code, const std::string& what) : std::runtime_error(what), code_(code) {}
    int code() const { return code_; }

private:
    int code_;
};

// The session's open connection (throws std::runtime_error when it is not open).
sqlite_api::sqlite3* sqlite_handle(soci::session& sql);

// One prepared statement, reset after every use. Text bound here is not copied: it must outlive the step.
class SqliteStatement {
public:
    SqliteStatement(sqlite_api::sqlite3* db, const std::string& text);
    ~SqliteStatement();
    SqliteStatement(const SqliteStatement&) = delete;
    SqliteStatement& operator=(const SqliteStatement&) = delete;

    // Parameters count from 1, as in SQLite.
    void bind(int index, std::int64_t value);
    void bind(int index, std::string_view text);
    void bind_null(int index);

    // Steps once: true while a row is there to read, false when done. Throws SqliteError.
    bool step();
    std::int64_t column_int64(int column) const;

    // Ends the current execution (keeps nothing bound that could dangle).
    void reset();

private:
    [[noreturn]] void fail(int code, std::string_view doing) const;

    sqlite_api::sqlite3* db_;
    sqlite_api::sqlite3_stmt* stmt_ = nullptr;
};

// An INSERT of many rows at once: `head` ("INSERT INTO t(a, b) VALUES"), one "(?, ?)" per row, then `tail`
// (an ON CONFLICT clause, or empty). Rows go in chunks of at most kMaxRows; the statement for each chunk size
// used is prepared once and kept.
class SqliteRowsInsert {
public:
    static constexpr std::size_t kMaxRows = 256;

    SqliteRowsInsert(sqlite_api::sqlite3* db, std::string head, int columns, std::string tail);
    SqliteRowsInsert(const SqliteRowsInsert&) = delete;
    SqliteRowsInsert& operator=(const SqliteRowsInsert&) = delete;

    // Inserts rows [0, rows): bind_row(statement, first parameter index, row) binds one row's `columns`
    // values; after each chunk, chunk_done(first row, row count, rows changed) runs (e.g. to read the ids).
    template <typename BindRow, typename ChunkDone>
    void run(std::size_t rows, BindRow&& bind_row, ChunkDone&& chunk_done) {
        for (std::size_t first = 0; first < rows;) {
            const std::size_t n = chunk_size(rows - first);
            SqliteStatement& st = statement_for(n);
            for (std::size_t i = 0; i < n; ++i) bind_row(st, static_cast<int>(i) * columns_ + 1, first + i);
            while (st.step()) {
            }
            const std::int64_t changed = changes();
            st.reset();
            chunk_done(first, n, changed);
            first += n;
        }
    }

private:
    // Chunk sizes are powers of four (256, 64, 16, 4, 1): at most five statements, at most three chunks of
    // each smaller size.
    static std::size_t chunk_size(std::size_t left);
    SqliteStatement& statement_for(std::size_t rows);
    std::int64_t changes() const;

    sqlite_api::sqlite3* db_;
    std::string head_, tail_;
    int columns_;
    std::map<std::size_t, std::unique_ptr<SqliteStatement>> statements_;
};

}  // namespace coupon::store
