#include "sql_backend.hpp"

#include <soci/soci.h>

#include "store_errors.hpp"

namespace coupon::store {

SqlBackend::SqlBackend(SqlEngine engine, std::size_t pool_size,
                       const std::function<void(soci::session&)>& open_pooled)
    : engine_(std::move(engine)), pool_(pool_size), queries_(pool_, engine_.keeper, engine_.writes),
      dead_letters_(pool_, engine_.keeper, engine_.writes),
      // The issue batch locks its policies' rows FOR UPDATE on PostgreSQL; SQLite's writers are serialized.
      policy_lifecycle_(pool_, engine_.keeper, engine_.writes, engine_.name == "postgresql" ? " FOR UPDATE" : "") {
    for (std::size_t i = 0; i < pool_size; ++i) open_pooled(pool_.at(i));
}

std::unique_ptr<domain::DeadLetterStore> SqlBackend::dead_letter_store() {
    auto own = std::make_unique<soci::connection_pool>(1);
    guarded(engine_.opening, [&] { engine_.open(own->at(0)); });
    return std::make_unique<SqlDeadLetters>(std::move(own), engine_.keeper, engine_.writes);
}

}  // namespace coupon::store
