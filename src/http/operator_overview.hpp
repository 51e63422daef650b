#pragma once
// What the operator page (GET /admin/) shows, as one JSON document: this node's readiness, the outcomes its
// consumers decided (in all and per policy) and the answers its edge gave without them, the newest policies with their stock, the lag of every
// partition it owns (records and seconds), and the dead letters it recorded. Built from the metrics
// registry (memory) and one bounded policy query, so it may be sent a few times a second during a flood.
#include <string>

#include "handlers.hpp"

namespace coupon::http {

// Reads the database (the policies): call it off the I/O threads.
std::string operator_overview_json(const ApiContext& context);

Handler make_operator_overview_handler(Context context);  // GET /api/admin/overview (admin)

}  // namespace coupon::http
