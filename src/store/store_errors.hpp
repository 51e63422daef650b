#pragma once
// Every SOCI / SQLite / libpq failure leaves the store as domain::StoreError carrying the reason, so
// callers (the consumer's retry, the HTTP 503 mapping) handle one exception type whatever the backend.
#include <cstddef>
#include <string_view>
#include <utility>

#include "coupon/domain/issue_store.hpp"

namespace coupon::store {

// Call only from inside a catch block: rethrows the current exception as StoreError("<what>: <reason>"),
// with SQLite's result code or PostgreSQL's SQLSTATE appended when the error carries one.
[[noreturn]] void rethrow_as_store_error(std::string_view what);

// An outcome write changed `changed` of `rows` rows: some request already has a final outcome. With one row
// it is named; with more, which one is left to the caller, which splits a refused batch until the record
// stands alone. Both databases' issue stores throw it.
[[noreturn]] void throw_outcomes_refused(std::size_t rows, long long changed, std::string_view only_request_id);

template <typename F>
decltype(auto) guarded(std::string_view what, F&& f) {
    try {
        return std::forward<F>(f)();
    } catch (...) {
        rethrow_as_store_error(what);
    }
}

}  // namespace coupon::store
