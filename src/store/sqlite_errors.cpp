#include "sqlite_errors.hpp"

#include <fmt/format.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>  // declares the SQLite C API in namespace sqlite_api

#include <exception>
#include <string>

namespace coupon::store {

void rethrow_as_store_error(std::string_view what) {
    try {
        throw;
    } catch (const domain::StoreError&) {
        throw;
    } catch (const soci::sqlite3_soci_error& e) {
        // SOCI's text has SQLite's message; the primary code's name (busy, readonly, ioerr) makes the
        // log line classifiable without knowing SOCI's wording.
        std::string reason = e.what();
        while (!reason.empty() && (reason.back() == '\n' || reason.back() == ' ')) reason.pop_back();
        throw domain::StoreError(
            fmt::format("{}: {} [sqlite {}: {}]", what, reason, e.result(), sqlite_api::sqlite3_errstr(e.result())));
    } catch (const std::exception& e) {
        throw domain::StoreError(fmt::format("{}: {}", what, e.what()));
    } catch (...) {
        throw domain::StoreError(fmt::format("{}: unknown error", what));
    }
    std::terminate();  // unreachable: every handler above throws
}

}  // namespace coupon::store
