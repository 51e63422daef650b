#include "coupon/http/message.hpp"

#include <arpa/inet.h>

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <mutex>

#include "coupon/base/byte_text.hpp"
#include "coupon/base/json_writer.hpp"
#include "coupon/base/log.hpp"
#include "coupon/base/metrics.hpp"

namespace coupon::http {

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
               return lower(x) == lower(y);
           });
}

std::optional<std::string_view> Headers::get(std::string_view name) const {
    for (const auto& [key, value] : fields_) {
        if (iequals(key, name)) return std::string_view(value);
    }
    return std::nullopt;
}

void Headers::set(std::string_view name, std::string value) {
    std::erase_if(fields_, [&](const Field& f) { return iequals(f.first, name); });
    fields_.emplace_back(std::string(name), std::move(value));
}

void Headers::add(std::string name, std::string value) { fields_.emplace_back(std::move(name), std::move(value)); }

std::string_view Request::param(std::string_view name) const {
    auto it = path_params.find(name);
    return it == path_params.end() ? std::string_view{} : std::string_view(it->second);
}

Response json_response(int status, std::string body) {
    Response response;
    response.status = status;
    response.headers.set("Content-Type", "application/json");
    response.body = std::move(body);
    return response;
}

std::string ClientAddress::text() const {
    static constexpr std::array<std::uint8_t, 12> kMapped{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    char out[INET6_ADDRSTRLEN] = {};
    const bool v4 = std::equal(kMapped.begin(), kMapped.end(), bytes.begin());
    const void* source = v4 ? static_cast<const void*>(bytes.data() + 12) : static_cast<const void*>(bytes.data());
    if (inet_ntop(v4 ? AF_INET : AF_INET6, source, out, sizeof out) == nullptr) return "?";
    return out;
}

Response error_response(int status, std::string_view code, std::string_view message,
                        const std::vector<std::pair<std::string, std::string>>& extra) {
    // Messages quote what the client sent (a path, an id); Boost.JSON writes a string's bytes as they are, so
    // invalid UTF-8 from the request would make the body invalid JSON (a fuzz finding, docs/fuzzing.md), and
    // echoing a client's raw bytes back is no one's business: invalid bytes become U+FFFD.
    // Written straight into the string (json_writer.hpp), not through a boost::json::object: the sold-out
    // answer at the edge is one of these, and it is the busiest answer of a flash sale.
    std::string body;
    body.reserve(48 + code.size() + message.size());
    base::JsonObjectWriter writer(body);
    writer.text("code", code).text("message", base::utf8_text(message));
    for (const auto& [key, value] : extra) writer.text(key, base::utf8_text(value));
    writer.close();
    Response response = json_response(status, std::move(body));
    response.error_code = code;
    return response;
}

Respond::Respond(Sink sink) : state_(std::make_shared<State>()) { state_->sink = std::move(sink); }

RouteLatency& RouteLatency::of_route(const std::string& route) {
    static std::mutex mutex;
    static auto* routes = new std::map<std::string, std::unique_ptr<RouteLatency>>();  // never freed, see above
    std::lock_guard lock(mutex);
    auto& slot = (*routes)[route];
    if (!slot) slot = std::make_unique<RouteLatency>(route);
    return *slot;
}

base::Histogram& RouteLatency::of(int status) {
    const int status_class = status >= 100 && status < 600 ? status / 100 : 5;  // nothing else is sent
    auto& slot = by_class_[static_cast<std::size_t>(status_class - 1)];
    base::Histogram* histogram = slot.load(std::memory_order_acquire);
    if (!histogram) {
        // Metrics::histogram() takes a lock and returns the same series to a racing thread.
        histogram = &base::Metrics::global().histogram(
            "coupon_http_request_duration_seconds",
            "time from a request's dispatch to its answer being handed to the connection, by route and status class",
            fmt::format(R"(route="{}",status_class="{}xx")", route_, status_class));
        slot.store(histogram, std::memory_order_release);
    }
    return *histogram;
}

void Respond::time_into(RouteLatency& latency) const {
    state_->started = std::chrono::steady_clock::now();
    state_->latency = &latency;
}

bool Respond::operator()(Response&& response) const {
    if (state_->used.exchange(true)) return false;
    // time_into() ran before the handler handed this Respond to whichever thread answers now; that hand-off
    // (a queue, a lock) orders its writes before these reads.
    if (state_->latency) {
        state_->latency->of(response.status).observe(std::chrono::steady_clock::now() - state_->started);
    }
    try {
        state_->sink(std::move(response));
    } catch (const std::exception& e) {
        // The sink only posts to the connection; if even that fails the client is gone, and the caller
        // (often a broker or timer thread) must not be disturbed.
        log::error("http", "delivering a response failed: {}", e.what());
    }
    return true;
}

bool Respond::responded() const { return state_->used.load(); }

}  // namespace coupon::http
