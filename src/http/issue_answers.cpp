#include "issue_answers.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <algorithm>

#include "status_map.hpp"
#include "json_views.hpp"

namespace coupon::http {

std::string status_url(const std::string& request_id, domain::RecordLocation where) {
    std::string url = "/api/coupon-requests/" + request_id;
    if (where.known()) url += fmt::format("?at={}-{}", where.partition, where.offset);
    return url;
}

std::string events_url(const std::string& request_id, domain::RecordLocation where) {
    std::string url = "/api/coupon-requests/" + request_id + "/events";
    if (where.known()) url += fmt::format("?at={}-{}", where.partition, where.offset);
    return url;
}

bool likely_sold_out(std::int64_t ahead, std::optional<std::int64_t> remaining) {
    return remaining && ahead >= *remaining;
}

void add_queue_place(boost::json::object& body, std::int64_t& retry_after,
                     const std::optional<domain::QueuePlace>& place, std::optional<std::int64_t> remaining) {
    if (!place) return;
    body["position"] = place->ahead;
    if (likely_sold_out(place->ahead, remaining)) body["likelySoldOut"] = true;
    if (place->estimated_wait_ms) {
        body["estimatedWaitMs"] = *place->estimated_wait_ms;
        retry_after = std::clamp<std::int64_t>((*place->estimated_wait_ms + 999) / 1000, 1, 60);
    }
}

Response pending_response(const std::string& request_id, std::int64_t retry_after, domain::RecordLocation where,
                          const std::optional<domain::QueuePlace>& place, std::optional<std::int64_t> remaining) {
    std::string url = status_url(request_id, where);
    boost::json::object body{
        {"status", "PENDING"},
        {"requestId", request_id},
        {"statusUrl", url},
        {"eventsUrl", events_url(request_id, where)},
    };
    add_queue_place(body, retry_after, place, remaining);
    auto response = json_response(202, boost::json::serialize(body));
    response.headers.set("Location", std::move(url));
    response.headers.set("Retry-After", std::to_string(retry_after));
    return response;
}

Response outcome_response(const domain::IssueResult& result, std::int64_t retry_after, domain::RecordLocation where) {
    const auto mapped = status_for(result.outcome);
    if (result.outcome == domain::Outcome::Issued) {
        return json_response(mapped.status, issued_json(result));
    }
    if (mapped.code.empty()) return pending_response(result.request_id, retry_after, where);
    return error_response(mapped.status, mapped.code, domain::describe(result.outcome),
                          {{"requestId", result.request_id}});
}

Response unconfirmed_response(const std::string& request_id, std::int64_t retry_after) {
    boost::json::object body{
        {"status", "UNCONFIRMED"},
        {"requestId", request_id},
        {"statusUrl", status_url(request_id)},
        {"message", "the broker has not confirmed storing the request yet; its status URL tells whether it "
                    "was queued and, if so, its outcome"},
    };
    auto response = json_response(202, boost::json::serialize(body));
    response.headers.set("Location", status_url(request_id));
    response.headers.set("Retry-After", std::to_string(retry_after));
    return response;
}

Response refused_response(domain::AcceptStatus status, std::int64_t retry_after) {
    auto response = status == domain::AcceptStatus::Overloaded
                        ? error_response(503, "SERVICE_BUSY", "too many requests in flight, retry shortly")
                        : error_response(503, "BROKER_UNAVAILABLE", "the request could not be stored, retry shortly");
    response.headers.set("Retry-After", std::to_string(retry_after));
    return response;
}

}  // namespace coupon::http
