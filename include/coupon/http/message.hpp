#pragma once
// The HTTP exchange as plain values, so handlers and their tests never see Beast.
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "coupon/http/stream_body.hpp"

namespace coupon::base {
class Histogram;
}

namespace coupon::http {

// Header fields in arrival order; names compare case-insensitively (RFC 9110 section 5.1).
class Headers {
public:
    using Field = std::pair<std::string, std::string>;

    // The first field with this name, if any.
    std::optional<std::string_view> get(std::string_view name) const;
    bool has(std::string_view name) const { return get(name).has_value(); }
    // Replaces every field of this name with one field.
    void set(std::string_view name, std::string value);
    // Appends a field (repeated names are allowed).
    void add(std::string name, std::string value);

    auto begin() const { return fields_.begin(); }
    auto end() const { return fields_.end(); }
    std::size_t size() const { return fields_.size(); }

private:
    std::vector<Field> fields_;
};

bool iequals(std::string_view a, std::string_view b);

// The TCP peer of a request as 16 bytes: an IPv6 address, or an IPv4 one mapped (::ffff:a.b.c.d). All zero
// when unknown (a request built in a test without a socket).
struct ClientAddress {
    std::array<std::uint8_t, 16> bytes{};

    bool operator==(const ClientAddress&) const = default;
    // "192.0.2.1" for a mapped IPv4 address, "2001:db8::1" for IPv6 (for log lines).
    std::string text() const;
};

struct Request {
    std::string method;  // "GET", "POST", ... as sent
    std::string target;  // as sent: "/api/x?y=1"
    std::string path;    // target before '?', not percent-decoded
    std::string query;   // target after '?', without it
    Headers headers;
    std::string body;
    ClientAddress peer;  // filled by the server once per connection
    // Filled by the router from "{name}" segments of the matched pattern.
    std::map<std::string, std::string, std::less<>> path_params;

    std::string_view param(std::string_view name) const;
};

struct Response {
    int status = 200;
    Headers headers;  // Content-Length and Connection are managed by the server
    std::string body;
    std::string error_code;  // error_response's "code" (for the server's log line); empty otherwise
    // Set: the answer stays open and its body comes from here (Server-Sent Events); `body` is not used and
    // the connection closes after the stream ends.
    std::shared_ptr<StreamBody> stream;
};

// A JSON answer with Content-Type application/json.
Response json_response(int status, std::string body);
// The error body every non-2xx answer uses: {"code":"...","message":"..."} plus optional extra
// string members (e.g. requestId, field). Text that is not valid UTF-8 is repaired (base::utf8_text).
Response error_response(int status, std::string_view code, std::string_view message,
                        const std::vector<std::pair<std::string, std::string>>& extra = {});

// coupon_http_request_duration_seconds{route="<method> <pattern>",status_class="2xx"} of one route: a series
// per status class, created at its first answer (then lock-free). One per route name for the life of the
// process, like the metrics it feeds: an answer given after its server and router are gone (a late broker
// callback) still finds it.
class RouteLatency {
public:
    static RouteLatency& of_route(const std::string& route);
    base::Histogram& of(int status);

    explicit RouteLatency(std::string route) : route_(std::move(route)) {}  // use of_route()

private:
    std::string route_;
    std::array<std::atomic<base::Histogram*>, 5> by_class_{};  // 1xx .. 5xx
};

// Delivers a handler's answer. Copyable (copies share one state) and callable from any thread; only the
// first call has an effect, so racing completions (a timer and a broker callback) cannot answer twice.
class Respond {
public:
    using Sink = std::function<void(Response&&)>;

    explicit Respond(Sink sink);
    // Returns false (and drops the response) when an answer was already given.
    bool operator()(Response&& response) const;
    bool responded() const;
    // From now until the answer is handed to the connection, observed into `latency` by the answer's
    // status class (the router does this for the matched route). Call before the handler runs, from the
    // thread that owns the request.
    void time_into(RouteLatency& latency) const;

private:
    struct State {
        Sink sink;
        std::atomic<bool> used{false};
        RouteLatency* latency = nullptr;
        std::chrono::steady_clock::time_point started;
    };
    std::shared_ptr<State> state_;
};

using Handler = std::function<void(Request&&, Respond)>;

}  // namespace coupon::http
