// PostgreSQL is a later task: the URL form is recognised so the message says what is missing, rather
// than calling a valid production URL malformed.
#include <stdexcept>

#include "backend.hpp"

namespace coupon::store {

std::unique_ptr<Backend> open_postgresql_backend(const std::string& /*url*/, const DatabaseConfig& /*config*/) {
    throw std::runtime_error(
        "database.url: PostgreSQL support is not built yet in this coupon-server; use sqlite:<path>");
}

}  // namespace coupon::store
