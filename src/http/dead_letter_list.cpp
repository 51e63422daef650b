// GET /api/admin/dead-letters?from=&to=&page=0&size=50: an operator pages through dead letters, oldest
// first, optionally within created_at in [from, to) (admin token required).
#include <boost/json.hpp>

#include <charconv>
#include <limits>

#include "dead_letter_params.hpp"
#include "dead_letter_views.hpp"
#include "handlers.hpp"
#include "query_params.hpp"

namespace coupon::http {
namespace {

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

}  // namespace coupon::http
