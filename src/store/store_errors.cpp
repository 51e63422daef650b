#include "store_errors.hpp"

#include <fmt/format.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>  // declares the SQLite C API in namespace sqlite_api

#include <exception>
#include <string>

#include "sqlite_statement.hpp"

namespace coupon::store {
namespace {

// SOCI's texts end in newlines (libpq's messages do); a log line should not.
std::string trimmed(const char* text) {
    std::string reason = text;
    while (!reason.empty() && (reason.back() == '\n' || reason.back() == ' ')) reason.pop_back();
    return reason;
}

}  // namespace

void rethrow_as_store_error(std::string_view what) {
    try {
        throw;
    } catch (const domain::StoreError&) {
        throw;
    } catch (const soci::sqlite3_soci_error& e) {
        // The primary code's name (busy, readonly, ioerr) makes the log line classifiable without
        // knowing SOCI's wording.
        throw domain::StoreError(fmt::format("{}: {} [sqlite {}: {}]", what, trimmed(e.what()), e.result(),
                                             sqlite_api::sqlite3_errstr(e.result())));
    } catch (const SqliteError& e) {  // the issue path's own statements (sqlite_statement.hpp)
        throw domain::StoreError(fmt::format("{}: {} [sqlite {}: {}]", what, e.what(), e.code(),
                                             sqlite_api::sqlite3_errstr(e.code())));
    } catch (const soci::postgresql_soci_error& e) {
        // SQLSTATE: 08xxx connection lost, 40001/40P01 serialization/deadlock, 55P03 lock timeout, ...
        throw domain::StoreError(fmt::format("{}: {} [sqlstate {}]", what, trimmed(e.what()), e.sqlstate()));
    } catch (const std::exception& e) {
        throw domain::StoreError(fmt::format("{}: {}", what, trimmed(e.what())));
    } catch (...) {
        throw domain::StoreError(fmt::format("{}: unknown error", what));
    }
    std::terminate();  // unreachable: every handler above throws
}

void throw_outcomes_refused(std::size_t rows, long long changed, std::string_view only_request_id) {
    if (rows == 1) throw domain::StoreError(fmt::format("request {} already has a final outcome", only_request_id));
    throw domain::StoreError(fmt::format("{} of {} requests already have a final outcome",
                                         static_cast<long long>(rows) - changed, rows));
}

}  // namespace coupon::store
