#pragma once
// The route table: method + path pattern -> handler. Patterns are literal segments and "{name}"
// placeholders ("/api/coupons/{userId}"); a placeholder matches one non-empty segment.
#include <string>
#include <vector>

#include "coupon/http/message.hpp"

namespace coupon::http {

// Calls `handler`: an exception it throws becomes 503 DATABASE_UNAVAILABLE (StoreError) or 500 and never
// escapes. The router does this for every route; a handler moved to another thread does it there.
void call_guarded(const Handler& handler, Request&& request, const Respond& respond);

// One entry of the table as it was added: what docs/openapi.yaml must describe.
struct RouteInfo {
    std::string method;
    std::string pattern;
};

class Router {
public:
    void add(std::string method, std::string pattern, Handler handler);
    // Every route, in the order added.
    std::vector<RouteInfo> routes() const;

    // Calls the matching handler (a GET route's for HEAD too). Answers 404 for an unknown path and 405
    // (with Allow) for a known path with another method; an exception from a handler becomes 503 (StoreError) or 500 and never escapes.
    // Thread-safe once built: dispatch only reads the table.
    void dispatch(Request&& request, Respond respond) const;

private:
    struct Route {
        std::string method;
        std::string pattern;
        std::vector<std::string> segments;
        Handler handler;
        RouteLatency* latency;  // process-lifetime (RouteLatency::of_route)
    };
    std::vector<Route> routes_;
};

}  // namespace coupon::http
