#pragma once
// The real route table (make_routes) over the http tier's test doubles, built once per fuzzing process and
// called without sockets, for the fuzz targets that reach the handlers. Answers arrive on whatever thread the
// handler answers from (the blocking pool for database routes); call() waits for exactly that one answer.
#include <string>

#include "coupon/http/message.hpp"
#include "fuzz_check.hpp"
#include "handlers.hpp"

namespace coupon::fuzz {

// The admin token the world's routes accept ("Authorization: Bearer <kAdminToken>"); the seeds carry it.
inline constexpr const char* kAdminToken = "fuzz-admin-token";

// Dispatches `request` through the route table and returns its answer. Aborts (a finding) when no answer
// arrives within seconds, or when the answer breaks what every answer promises: a status in 100..599, no
// 500 (a handler threw on input), and for every error a JSON object body with string "code" and "message".
http::Response call(http::Request&& request);

// The same world's dependencies, for targets that call one handler directly (make_issue_handler(context())):
// no route table, no blocking pool, so no thread hop per input.
http::Context context();
// Runs `handler` on this thread as the router would (call_guarded) and checks its answer like call().
http::Response call(const http::Handler& handler, http::Request&& request);
// Drops the policies inputs created (call() does it after each route), so every input meets the same database.
void forget_created_policies();

}  // namespace coupon::fuzz
