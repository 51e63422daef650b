// POST /api/admin/dead-letters/{id}/replay and POST /api/admin/dead-letters/replay: re-publish dead letters
// to the main topic (admin token required). The replayer waits for the broker, so the work runs on the
// ReplayWorker and answers through the thread-safe Respond. Replaying twice is harmless: the request keeps
// its id, and the first final outcome per request id wins.
#include <boost/json.hpp>

#include "coupon/domain/store_error.hpp"
#include "coupon/base/log.hpp"
#include "coupon/base/time_format.hpp"
#include "dead_letter_params.hpp"
#include "handlers.hpp"
#include "input.hpp"
#include "query_params.hpp"
#include "replay_worker.hpp"

namespace coupon::http {
namespace {

using domain::AcceptStatus;

Response unavailable(const HttpConfig& config, std::string_view code, const std::string& message) {
    auto response = error_response(503, code, message);
    response.headers.set("Retry-After", std::to_string(config.retry_after_seconds));
    return response;
}

// Runs a job's body, turning a failure of the store or the replayer into the answer the router would give.
template <typename F>
Response answer_of(const HttpConfig& config, F&& body) {
    try {
        return body();
    } catch (const domain::StoreError& e) {
        log::error("http", "database unavailable during a replay: {}", e.what());
        return unavailable(config, "DATABASE_UNAVAILABLE", "the database is not reachable, try again later");
    } catch (const std::exception& e) {
        log::error("http", "replay failed: {}", e.what());
        return error_response(500, "INTERNAL_ERROR", "the replay could not be handled");
    }
}

Response replay_one(const ApiContext& context, const ReplayWorker& worker, std::int64_t id) {
    const auto& deps = context.deps;
    if (worker.stopping()) return unavailable(context.config, "SHUTTING_DOWN", "the server is shutting down");
    const auto letter = deps.dead_letters->find(id);
    if (!letter) {
        return error_response(404, "DEAD_LETTER_NOT_FOUND", "no dead letter with id " + std::to_string(id));
    }
    const auto [status, detail] = deps.replayer->replay(*letter);
    switch (status) {
        case AcceptStatus::Accepted: break;
        case AcceptStatus::Overloaded:
            return unavailable(context.config, "SERVICE_BUSY", "the producer is busy, retry shortly: " + detail);
        case AcceptStatus::Unavailable:
        case AcceptStatus::Unknown:  // replaying again is harmless, so "maybe" is answered as "not"
            return unavailable(context.config, "BROKER_UNAVAILABLE", "the dead letter could not be re-published: " + detail);
    }
    const auto at = deps.clock.now();
    deps.dead_letters->mark_replayed(id, at);
    boost::json::object body{{"id", id}, {"status", "REPLAYED"}, {"replayedAt", base::format_time(at)}};
    std::string status_url;
    if (letter->request) {
        status_url = "/api/coupon-requests/" + letter->request->request_id;
        body["requestId"] = letter->request->request_id;
        body["statusUrl"] = status_url;
        log::info("http", "dead letter {} replayed: request {}", id, letter->request->request_id);
    } else {
        body["requestId"] = nullptr;
        body["statusUrl"] = nullptr;
        log::info("http", "dead letter {} replayed (a record without a decodable request)", id);
    }
    auto response = json_response(202, boost::json::serialize(body));
    if (!status_url.empty()) response.headers.set("Location", status_url);
    return response;
}

Response replay_all(const ApiContext& context, const ReplayWorker& worker, domain::DeadLetterQuery filter) {
    const auto& deps = context.deps;
    std::int64_t replayed = 0, failed = 0;
    std::optional<std::string> stopped;  // why the run ended before the last letter
    // Replaying does not remove a letter from the list (it gains replayed_at), so offsets stay stable.
    filter.offset = 0;
    filter.limit = 100;
    while (!stopped) {
        const auto page = deps.dead_letters->list(filter);
        for (const auto& letter : page.items) {
            if (letter.replayed_at) continue;
            if (worker.stopping()) {
                stopped = "the server is shutting down";
                break;
            }
            const auto [status, detail] = deps.replayer->replay(letter);
            switch (status) {
                case AcceptStatus::Accepted:
                    deps.dead_letters->mark_replayed(letter.id, deps.clock.now());
                    ++replayed;
                    break;
                case AcceptStatus::Overloaded: ++failed; break;
                case AcceptStatus::Unavailable:
                case AcceptStatus::Unknown:
                    // The broker is gone: every further attempt would wait for its timeout too.
                    ++failed;
                    stopped = "dead letter " + std::to_string(letter.id) + " could not be re-published: " + detail;
                    break;
            }
            if (stopped) break;
        }
        filter.offset += static_cast<std::int64_t>(page.items.size());
        if (page.items.empty() || filter.offset >= page.total) break;
    }
    log::info("http", "replay of all dead letters: {} replayed, {} failed{}", replayed, failed,
              stopped ? "; stopped: " + *stopped : std::string());
    boost::json::object body{{"replayed", replayed}, {"failed", failed}, {"stopped", stopped.has_value()}};
    body["error"] = stopped ? boost::json::value(*stopped) : boost::json::value(nullptr);
    return json_response(202, boost::json::serialize(body));
}

// Queues `job` on the worker, or answers 503 when its queue is full.
void run_on(const std::shared_ptr<ReplayWorker>& worker, const Context& context, const Respond& respond,
            std::function<Response()> job) {
    const bool queued = worker->post([context, respond, job = std::move(job)] {
        respond(answer_of(context->config, job));
    });
    if (!queued) respond(unavailable(context->config, "REPLAY_BUSY", "too many replays queued, retry shortly"));
}

}  // namespace

Handler make_dead_letter_replay_handler(Context context, std::shared_ptr<ReplayWorker> worker) {
    return [context, worker](Request&& request, Respond respond) {
        if (auto denied = dead_letter_gate(*context, request, true)) return void(respond(std::move(*denied)));
        const auto id = parse_id(request.param("id"));
        if (!id) return void(respond(invalid_id("id", request.param("id"))));
        run_on(worker, context, respond, [context, &w = *worker, id = *id] { return replay_one(*context, w, id); });
    };
}

Handler make_dead_letter_replay_all_handler(Context context, std::shared_ptr<ReplayWorker> worker) {
    return [context, worker](Request&& request, Respond respond) {
        if (auto denied = dead_letter_gate(*context, request, true)) return void(respond(std::move(*denied)));
        domain::DeadLetterQuery filter;
        if (auto invalid = read_time_filter(parse_query(request.query), filter)) return void(respond(std::move(*invalid)));
        run_on(worker, context, respond, [context, &w = *worker, filter] { return replay_all(*context, w, filter); });
    };
}

}  // namespace coupon::http
