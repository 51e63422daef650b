#include "coupon/http/router.hpp"

#include <exception>

#include "coupon/domain/store_error.hpp"
#include "coupon/base/log.hpp"
#include "coupon/base/metrics.hpp"

namespace coupon::http {
namespace {

std::vector<std::string> split_path(std::string_view path) {
    std::vector<std::string> segments;
    std::size_t pos = 0;
    while (pos < path.size()) {
        if (path[pos] == '/') {
            ++pos;
            continue;
        }
        const auto end = path.find('/', pos);
        const auto stop = end == std::string_view::npos ? path.size() : end;
        segments.emplace_back(path.substr(pos, stop - pos));
        pos = stop;
    }
    return segments;
}

bool is_placeholder(const std::string& segment) {
    return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// Matches and, on success, fills the placeholders of `pattern` into `params`.
bool match(const std::vector<std::string>& pattern, const std::vector<std::string>& path,
           std::map<std::string, std::string, std::less<>>& params) {
    if (pattern.size() != path.size()) return false;
    std::map<std::string, std::string, std::less<>> found;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        if (is_placeholder(pattern[i])) {
            found.emplace(pattern[i].substr(1, pattern[i].size() - 2), path[i]);
        } else if (pattern[i] != path[i]) {
            return false;
        }
    }
    params = std::move(found);
    return true;
}

}  // namespace

void call_guarded(const Handler& handler, Request&& request, const Respond& respond) {
    try {
        handler(std::move(request), respond);
    } catch (const domain::StoreError& e) {
        log::error("http", "database unavailable: {}", e.what());
        respond(error_response(503, "DATABASE_UNAVAILABLE", "the database is not reachable, try again later"));
    } catch (const std::exception& e) {
        log::error("http", "handler failed: {}", e.what());
        respond(error_response(500, "INTERNAL_ERROR", "the request could not be handled"));
    }
}

void Router::add(std::string method, std::string pattern, Handler handler) {
    auto segments = split_path(pattern);
    RouteLatency* latency = &RouteLatency::of_route(method + " " + pattern);
    routes_.push_back(Route{std::move(method), std::move(pattern), std::move(segments), std::move(handler), latency});
}

std::vector<RouteInfo> Router::routes() const {
    std::vector<RouteInfo> out;
    out.reserve(routes_.size());
    for (const auto& route : routes_) out.push_back(RouteInfo{route.method, route.pattern});
    return out;
}

void Router::dispatch(Request&& request, Respond respond) const {
    // A trailing slash or a doubled one does not make another resource: "/health/" is "/health".
    const auto segments = split_path(request.path);
    // HEAD is GET without the body (RFC 9110 9.3.2): the server drops the body when it writes the answer.
    const bool head = request.method == "HEAD";
    std::string allow;
    for (const auto& route : routes_) {
        std::map<std::string, std::string, std::less<>> params;
        if (!match(route.segments, segments, params)) continue;
        if (route.method != request.method && !(head && route.method == "GET")) {
            if (!allow.empty()) allow += ", ";
            allow += route.method;
            if (route.method == "GET") allow += ", HEAD";
            continue;
        }
        request.path_params = std::move(params);
        respond.time_into(*route.latency);
        call_guarded(route.handler, std::move(request), respond);
        return;
    }
    if (!allow.empty()) {
        auto response = error_response(405, "METHOD_NOT_ALLOWED",
                                       request.method + " is not allowed here; allowed: " + allow);
        response.headers.set("Allow", allow);
        respond(std::move(response));
        return;
    }
    respond(error_response(404, "NOT_FOUND", "no resource at " + request.path));
}

}  // namespace coupon::http
