// The admin dead-letter routes (admin token required):
//   GET  /api/admin/dead-letters?from=&to=&page=0&size=50  pages through dead letters, oldest first, optionally
//        within created_at in [from, to);
//   POST /api/admin/dead-letters/{id}/replay and POST /api/admin/dead-letters/replay  re-publish dead letters to
//        the main topic. The replayer waits for the broker, so that work runs on the ReplayWorker and answers
//        through the thread-safe Respond. Replaying twice is harmless: the request keeps its id, and the first
//        final outcome per request id wins.
#include <boost/json.hpp>

#include <charconv>
#include <limits>
#include <map>
#include <optional>
#include <string>

#include "coupon/base/byte_text.hpp"
#include "coupon/base/log.hpp"
#include "coupon/base/time_format.hpp"
#include "coupon/domain/dead_letters.hpp"
#include "coupon/domain/store_error.hpp"
#include "coupon/http/admin_auth.hpp"
#include "handlers.hpp"
#include "input.hpp"
#include "query_params.hpp"
#include "coupon/base/job_pool.hpp"

namespace coupon::http {
namespace {

using domain::AcceptStatus;
using QueryParams = std::map<std::string, std::string, std::less<>>;

// ---- What every dead-letter route checks first, and the time filter they share.

// nullopt when the request may go on; else the answer: 401/403 (check_admin), or 503 when the app wired
// no dead-letter store (DEAD_LETTERS_UNAVAILABLE) or, for a replay, no replayer (REPLAY_UNAVAILABLE).
std::optional<Response> dead_letter_gate(const ApiContext& context, const Request& request, bool replays) {
    if (auto denied = check_admin(context.config.admin_token, request, context.auth.get())) return denied;
    if (context.deps.dead_letters == nullptr) {
        return error_response(503, "DEAD_LETTERS_UNAVAILABLE", "this node keeps no dead-letter store");
    }
    if (replays && context.deps.replayer == nullptr) {
        return error_response(503, "REPLAY_UNAVAILABLE", "this node cannot replay dead letters");
    }
    return std::nullopt;
}

// 400 VALIDATION_FAILED naming the query parameter.
Response invalid_parameter(const std::string& name, const std::string& message) {
    return error_response(400, "VALIDATION_FAILED", message, {{"field", name}});
}

// Reads from/to (ISO 8601, created_at in [from, to)) into `query`; the 400 VALIDATION_FAILED naming the
// parameter when one is not a time or to is before from.
std::optional<Response> read_time_filter(const QueryParams& params, domain::DeadLetterQuery& query) {
    for (const auto& [name, target] : {std::pair{"from", &query.from}, std::pair{"to", &query.to}}) {
        const auto it = params.find(name);
        if (it == params.end()) continue;
        *target = base::parse_time(it->second);
        if (!*target) {
            return invalid_parameter(name, std::string(name) + " must be an ISO 8601 time like 2026-12-01T10:00:00Z or "
                                                               "2026-12-01T10:00:00%2B09:00");
        }
    }
    if (query.from && query.to && *query.to < *query.from) return invalid_parameter("to", "to must not be before from");
    return std::nullopt;
}

// ---- Dead letters as the admin API's JSON.

// The bytes as a JSON string: as they are when they are text, else base64 (and `name` is listed).
boost::json::value bytes_json(const std::string& bytes, std::string name, boost::json::array& binary_fields) {
    if (base::is_plain_text(bytes)) return boost::json::value(bytes);
    binary_fields.emplace_back(std::move(name));
    return boost::json::value(base::base64_encode(bytes));
}

// {"id","topic","partition","offset","originalTopic","originalPartition","originalOffset","key","payload",
//  "headers":{name:value},"error","createdAt","replayedAt","requestId","userId","couponPolicyId",
//  "binaryFields":[...]}. Byte fields that are not UTF-8 text (key, payload, a header value) are given in
// base64 and named in binaryFields ("key", "payload", "headers.<name>"). A repeated header name shows its
// last value (the one Kafka clients' lastHeader() reads). Absent values are null.
boost::json::object dead_letter_json(const domain::DeadLetter& letter) {
    boost::json::array binary_fields;
    boost::json::object headers;
    for (const auto& [name, value] : letter.headers) {
        // Header names are text in Kafka's protocol; a name that is not is shown in base64 like a value.
        const std::string key = base::is_plain_text(name) ? name : base::base64_encode(name);
        headers[key] = bytes_json(value, "headers." + key, binary_fields);
    }
    boost::json::object o;
    o["id"] = letter.id;
    o["topic"] = letter.topic;
    o["partition"] = letter.partition;
    o["offset"] = letter.offset;
    o["originalTopic"] = letter.original_topic;
    o["originalPartition"] = letter.original_partition;
    o["originalOffset"] = letter.original_offset;
    o["key"] = bytes_json(letter.key, "key", binary_fields);
    o["payload"] = bytes_json(letter.payload, "payload", binary_fields);
    o["headers"] = std::move(headers);
    o["error"] = bytes_json(letter.error, "error", binary_fields);
    o["createdAt"] = base::format_time(letter.created_at);
    o["replayedAt"] = letter.replayed_at ? boost::json::value(base::format_time(*letter.replayed_at)) : nullptr;
    if (letter.request) {
        o["requestId"] = letter.request->request_id;
        o["userId"] = letter.request->user_id;
        o["couponPolicyId"] = letter.request->policy_id;
    } else {
        o["requestId"] = nullptr;
        o["userId"] = nullptr;
        o["couponPolicyId"] = nullptr;
    }
    o["binaryFields"] = std::move(binary_fields);
    return o;
}

// ---- The list.

constexpr std::int64_t kDefaultSize = 50;
constexpr std::int64_t kMaxSize = 500;  // one answer stays small enough to build on an I/O thread

// A plain decimal integer in [min, max], or nullopt.
std::optional<std::int64_t> parse_bounded(std::string_view text, std::int64_t min, std::int64_t max) {
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || text.front() == '-' || ec != std::errc{} || end != text.data() + text.size()) {
        return std::nullopt;
    }
    if (value < min || value > max) return std::nullopt;
    return value;
}

// ---- Replays.

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
        log::info("http", {.request_id = letter->request->request_id}, "dead letter {} replayed", id);
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

Handler make_dead_letter_list_handler(Context context) {
    return [context](Request&& request, Respond respond) {
        if (auto denied = dead_letter_gate(*context, request, false)) return void(respond(std::move(*denied)));
        const QueryParams params = parse_query(request.query);
        domain::DeadLetterQuery query;
        if (auto invalid = read_time_filter(params, query)) return void(respond(std::move(*invalid)));
        std::int64_t size = kDefaultSize, page = 0;
        if (const auto it = params.find("size"); it != params.end()) {
            const auto parsed = parse_bounded(it->second, 1, kMaxSize);
            if (!parsed) return void(respond(invalid_parameter("size", "size must be an integer from 1 to 500")));
            size = *parsed;
        }
        if (const auto it = params.find("page"); it != params.end()) {
            const auto parsed = parse_bounded(it->second, 0, std::numeric_limits<std::int64_t>::max() / kMaxSize);
            if (!parsed) return void(respond(invalid_parameter("page", "page must be an integer of at least 0")));
            page = *parsed;
        }
        query.offset = page * size;
        query.limit = size;
        const auto found = context->deps.dead_letters->list(query);
        boost::json::array items;
        items.reserve(found.items.size());
        for (const auto& letter : found.items) items.push_back(dead_letter_json(letter));
        const boost::json::object body{{"items", std::move(items)}, {"page", page}, {"size", size}, {"total", found.total}};
        respond(json_response(200, boost::json::serialize(body)));
    };
}

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
