#include "issue_answers.hpp"

#include <boost/json.hpp>

#include <algorithm>

#include "coupon/base/json_writer.hpp"
#include "status_map.hpp"
#include "json_views.hpp"

namespace coupon::http {

namespace {

// "?at=<partition>-<offset>" when known: no format string to parse, this runs once per request.
void append_place(std::string& url, domain::RecordLocation where) {
    if (!where.known()) return;
    url += "?at=";
    base::append_integer(url, where.partition);
    url += '-';
    base::append_integer(url, where.offset);
}

// A PENDING answer's place fields, shared by the object-building readers and the written answer.
struct PlaceFields {
    std::int64_t position = 0;
    bool likely_sold_out = false;
    std::optional<std::int64_t> estimated_wait_ms;
};

std::optional<PlaceFields> place_fields(std::int64_t& retry_after, const std::optional<domain::QueuePlace>& place,
                                        std::optional<std::int64_t> remaining) {
    if (!place) return std::nullopt;
    PlaceFields fields{place->ahead, likely_sold_out(place->ahead, remaining), place->estimated_wait_ms};
    if (fields.estimated_wait_ms) {
        retry_after = std::clamp<std::int64_t>((*fields.estimated_wait_ms + 999) / 1000, 1, 60);
    }
    return fields;
}

}  // namespace

std::string status_url(const std::string& request_id, domain::RecordLocation where) {
    std::string url;
    url.reserve(80);
    url += "/api/coupon-requests/";
    url += request_id;
    append_place(url, where);
    return url;
}

std::string events_url(const std::string& request_id, domain::RecordLocation where) {
    std::string url;
    url.reserve(88);
    url += "/api/coupon-requests/";
    url += request_id;
    url += "/events";
    append_place(url, where);
    return url;
}

bool likely_sold_out(std::int64_t ahead, std::optional<std::int64_t> remaining) {
    return remaining && ahead >= *remaining;
}

void add_queue_place(boost::json::object& body, std::int64_t& retry_after,
                     const std::optional<domain::QueuePlace>& place, std::optional<std::int64_t> remaining) {
    const auto fields = place_fields(retry_after, place, remaining);
    if (!fields) return;
    body["position"] = fields->position;
    if (fields->likely_sold_out) body["likelySoldOut"] = true;
    if (fields->estimated_wait_ms) body["estimatedWaitMs"] = *fields->estimated_wait_ms;
}

// Written straight into the body (base::JsonObjectWriter, same bytes as the object serialized): every
// respond-async request is answered with one, on the delivery-report thread.
Response pending_response(const std::string& request_id, std::int64_t retry_after, domain::RecordLocation where,
                          const std::optional<domain::QueuePlace>& place, std::optional<std::int64_t> remaining) {
    std::string url = status_url(request_id, where);
    std::string body;
    body.reserve(256);
    base::JsonObjectWriter writer(body);
    writer.text("status", "PENDING").text("requestId", request_id).text("statusUrl", url)
        .text("eventsUrl", events_url(request_id, where));
    if (const auto fields = place_fields(retry_after, place, remaining)) {
        writer.number("position", fields->position);
        if (fields->likely_sold_out) writer.boolean("likelySoldOut", true);
        if (fields->estimated_wait_ms) writer.number("estimatedWaitMs", *fields->estimated_wait_ms);
    }
    writer.close();
    auto response = json_response(202, std::move(body));
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
