#pragma once
// The coupon API (DESIGN.md section 5) as a route table. This is all the app needs:
//
//     coupon::http::OutcomeBoard board;                     // before the result listener and the server
//     // result listener: for every record of the result topic, board.publish(result)
//     coupon::http::HttpServer server(http_config,
//         coupon::http::make_routes({sink, queries, board, clock, ready,
//                                    &database.dead_letters(), &replayer}, http_config));
//     server.start();                                       // throws if it cannot bind
//     ...
//     server.stop();                                        // drain in-flight requests
//     // then stop the sink (flush the producer) and the listener, and only then destroy the board
//
// Everything in ApiDeps is held by reference and must outlive the server and every pending sink callback;
// the dead-letter store and the replayer must also outlive the server (its routes run replays on a worker
// thread that the server's destruction joins).
#include <functional>
#include <map>
#include <string>

#include "coupon/domain/clock.hpp"
#include "coupon/domain/coupon_queries.hpp"
#include "coupon/domain/dead_letters.hpp"
#include "coupon/domain/policy_lifecycle.hpp"
#include "coupon/domain/request_sink.hpp"
#include "coupon/domain/stored_requests.hpp"
#include "coupon/http/http_config.hpp"
#include "coupon/http/outcome_board.hpp"
#include "coupon/http/router.hpp"

namespace coupon::http {

// What GET /ready reports: 200 when ready, else 503; components maps a name ("kafka", "database") to
// "UP" or "DOWN: why".
struct ReadyReport {
    bool ready = false;
    std::map<std::string, std::string> components;
};

struct ApiDeps {
    domain::RequestSink& sink;
    domain::CouponQueries& queries;
    OutcomeBoard& board;
    const domain::Clock& clock;
    std::function<ReadyReport()> ready;  // empty: always ready
    // The admin dead-letter endpoints (GET /api/admin/dead-letters, POST /api/admin/dead-letters/{id}/replay,
    // POST /api/admin/dead-letters/replay). The app passes &store::Database::dead_letters() (thread-safe)
    // and its messaging::KafkaReplayer. Null: listing answers 503 DEAD_LETTERS_UNAVAILABLE, replaying 503
    // REPLAY_UNAVAILABLE.
    domain::DeadLetterStore* dead_letters = nullptr;
    domain::RequestReplayer* replayer = nullptr;
    // Where GET /api/coupon-requests/{id}?at=<partition>-<offset> checks a request this node does not
    // remember. Null: such a request is 404 as without `at`.
    domain::StoredRequests* stored_requests = nullptr;
    // The admin policy changes (pause, resume, close, PATCH) and their audit trail; the app passes
    // &store::Database::policy_lifecycle(). Null: those routes answer 503 POLICY_LIFECYCLE_UNAVAILABLE.
    domain::PolicyLifecycle* policy_lifecycle = nullptr;
};

// Builds every route; no I/O. The caller seeds the board's sold-out set (OutcomeBoard::mark_sold_out) from
// the database when it has one, so a restarted node answers 409 COUPON_SOLD_OUT without producing to Kafka.
Router make_routes(ApiDeps deps, const HttpConfig& config);

}  // namespace coupon::http
