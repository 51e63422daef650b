#include "sqlite_statement.hpp"

#include <fmt/format.h>
#include <soci/soci.h>
// SOCI includes <sqlite3.h> inside namespace sqlite_api; including it again would be a no-op.
#include <soci/sqlite3/soci-sqlite3.h>

namespace coupon::store {

using namespace sqlite_api;

sqlite3* sqlite_handle(soci::session& sql) {
    auto* backend = static_cast<soci::sqlite3_session_backend*>(sql.get_backend());
    if (backend == nullptr || backend->conn_ == nullptr) throw std::runtime_error("SQLite session is not open");
    return backend->conn_;
}

SqliteStatement::SqliteStatement(sqlite3* db, const std::string& text) : db_(db) {
    // PERSISTENT: kept for the session's life, so SQLite takes its memory from the heap, not the lookaside.
    const int rc = sqlite3_prepare_v3(db_, text.c_str(), static_cast<int>(text.size() + 1), SQLITE_PREPARE_PERSISTENT,
                                      &stmt_, nullptr);
    if (rc != SQLITE_OK) fail(rc, "preparing");
}

SqliteStatement::~SqliteStatement() { sqlite3_finalize(stmt_); }

void SqliteStatement::bind(int index, std::int64_t value) {
    if (const int rc = sqlite3_bind_int64(stmt_, index, value); rc != SQLITE_OK) fail(rc, "binding");
}

void SqliteStatement::bind(int index, std::string_view text) {
    const int rc = sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
    if (rc != SQLITE_OK) fail(rc, "binding");
}

void SqliteStatement::bind_null(int index) {
    if (const int rc = sqlite3_bind_null(stmt_, index); rc != SQLITE_OK) fail(rc, "binding");
}

bool SqliteStatement::step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    // The statement's error code is also what a reset would return; reset here so the statement can be used
    // again whatever the caller does next.
    const std::string message = sqlite3_errmsg(db_);
    sqlite3_reset(stmt_);
    throw SqliteError(rc, fmt::format("{} (in: {:.120})", message, sqlite3_sql(stmt_)));
}

std::int64_t SqliteStatement::column_int64(int column) const { return sqlite3_column_int64(stmt_, column); }

void SqliteStatement::reset() {
    sqlite3_reset(stmt_);  // its code repeats the last step's, already reported
    sqlite3_clear_bindings(stmt_);
}

void SqliteStatement::fail(int code, std::string_view doing) const {
    throw SqliteError(code, fmt::format("{} a statement: {}", doing, sqlite3_errmsg(db_)));
}

SqliteRowsInsert::SqliteRowsInsert(sqlite3* db, std::string head, int columns, std::string tail)
    : db_(db), head_(std::move(head)), tail_(std::move(tail)), columns_(columns) {}

std::size_t SqliteRowsInsert::chunk_size(std::size_t left) {
    std::size_t n = kMaxRows;
    while (n > left) n /= 4;
    return n;
}

SqliteStatement& SqliteRowsInsert::statement_for(std::size_t rows) {
    auto& slot = statements_[rows];
    if (!slot) {
        std::string row = "(";
        for (int c = 0; c < columns_; ++c) row += c == 0 ? "?" : ", ?";
        row += ')';
        std::string text = head_;
        for (std::size_t r = 0; r < rows; ++r) {
            text += r == 0 ? " " : ", ";
            text += row;
        }
        if (!tail_.empty()) text += " " + tail_;
        slot = std::make_unique<SqliteStatement>(db_, text);
    }
    return *slot;
}

std::int64_t SqliteRowsInsert::changes() const { return sqlite3_changes64(db_); }

}  // namespace coupon::store
