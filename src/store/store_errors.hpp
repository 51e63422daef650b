#pragma once
// Every SOCI / SQLite / libpq failure leaves the store as domain::StoreError carrying the reason, so
// callers (the consumer's retry, the HTTP 503 mapping) handle one exception type whatever the backend.
#include <string_view>
#include <utility>

#include "coupon/domain/issue_store.hpp"

namespace coupon::store {

// Call only from inside a catch block: rethrows the current exception as StoreError("<what>: <reason>"),
// with SQLite's result code or PostgreSQL's SQLSTATE appended when the error carries one.
[[noreturn]] void rethrow_as_store_error(std::string_view what);

template <typename F>
decltype(auto) guarded(std::string_view what, F&& f) {
    try {
        return std::forward<F>(f)();
    } catch (...) {
        rethrow_as_store_error(what);
    }
}

}  // namespace coupon::store
