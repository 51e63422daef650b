#include "pg_copy.hpp"

#include <fmt/format.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>

#include <cstdlib>
#include <memory>

#include "coupon/base/time_format.hpp"

namespace coupon::store {

void PgCopyRows::separate() {
    if (row_open_) text_ += '\t';
    row_open_ = true;
}

void PgCopyRows::add(std::int64_t value) {
    separate();
    const fmt::format_int digits(value);
    text_.append(digits.data(), digits.size());
}

void PgCopyRows::add(std::string_view text) {
    separate();
    // COPY's text format: a backslash starts an escape, a tab ends the field, a newline ends the row.
    // Copied a run at a time between the characters that need one (request ids have none).
    for (std::size_t at = 0; at < text.size();) {
        const std::size_t special = text.find_first_of("\\\t\n\r", at);
        const std::size_t end = special == std::string_view::npos ? text.size() : special;
        text_.append(text.data() + at, end - at);
        if (end == text.size()) break;
        switch (text[end]) {
            case '\t': text_ += "\\t"; break;
            case '\n': text_ += "\\n"; break;
            case '\r': text_ += "\\r"; break;
            default: text_ += "\\\\"; break;
        }
        at = end + 1;
    }
}

void PgCopyRows::add_time(domain::TimePoint t) {
    separate();
    base::append_time(text_, t);  // ISO 8601 text needs no escape
}

void PgCopyRows::add_null() {
    separate();
    text_ += "\\N";
}

void PgCopyRows::end_row() {
    text_ += '\n';
    row_open_ = false;
    ++rows_;
}

namespace {

using Result = std::unique_ptr<PGresult, decltype(&PQclear)>;

// Throws what `result` (or, without one, the connection) reports, after taking every result libpq still
// holds: the session's next statement needs an idle connection.
[[noreturn]] void fail(PGconn* conn, Result result) {
    const char* state = result ? PQresultErrorField(result.get(), PG_DIAG_SQLSTATE) : nullptr;
    // No SQLSTATE: libpq lost the connection (08006, connection_failure, as SOCI reports it).
    const std::string sqlstate = state != nullptr ? state : "08006";
    std::string message = result ? PQresultErrorMessage(result.get()) : "";
    if (message.empty()) message = PQerrorMessage(conn);
    result.reset();
    while (PGresult* left = PQgetResult(conn)) PQclear(left);
    throw soci::postgresql_soci_error(message, sqlstate.c_str());
}

}  // namespace

std::size_t copy_rows(soci::session& sql, const std::string& copy_statement, const PgCopyRows& rows) {
    auto* backend = static_cast<soci::postgresql_session_backend*>(sql.get_backend());
    PGconn* conn = backend != nullptr ? backend->conn_ : nullptr;
    if (conn == nullptr) throw soci::postgresql_soci_error("PostgreSQL session is not open", "08003");
    Result started(PQexec(conn, copy_statement.c_str()), &PQclear);
    if (!started || PQresultStatus(started.get()) != PGRES_COPY_IN) fail(conn, std::move(started));
    started.reset();
    const std::string& text = rows.text();
    // In blocking mode libpq has sent it all when these return; anything but 1 is a lost connection.
    if (PQputCopyData(conn, text.data(), static_cast<int>(text.size())) != 1 || PQputCopyEnd(conn, nullptr) != 1) {
        fail(conn, Result(nullptr, &PQclear));
    }
    Result done(PQgetResult(conn), &PQclear);
    if (!done || PQresultStatus(done.get()) != PGRES_COMMAND_OK) fail(conn, std::move(done));
    const std::size_t stored = std::strtoull(PQcmdTuples(done.get()), nullptr, 10);
    done.reset();
    while (PGresult* left = PQgetResult(conn)) PQclear(left);
    return stored;
}

}  // namespace coupon::store
