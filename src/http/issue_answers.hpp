#pragma once
// The answers of POST /api/coupons/{userId} (DESIGN.md section 5, docs/request-states.md).
#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>

#include "coupon/domain/request_sink.hpp"
#include "coupon/domain/stored_requests.hpp"
#include "coupon/domain/types.hpp"
#include "coupon/http/message.hpp"

namespace coupon::http {

// The status URL of a request: /api/coupon-requests/{id}, plus ?at=<partition>-<offset> when it is known
// where the broker stored it, so that any node can answer PENDING for it (docs/request-states.md).
std::string status_url(const std::string& request_id, domain::RecordLocation where = {});
// The URL of a request's Server-Sent Events: the status URL's path + "/events", with the same ?at=.
std::string events_url(const std::string& request_id, domain::RecordLocation where = {});
// A PENDING answer's place in the queue (the waiting room, docs/request-states.md): `position` and, when the
// partition's decide rate is known, `estimatedWaitMs`, which also sets Retry-After (1 to 60 s). With the
// policy's remaining stock known, `likelySoldOut: true` when at least that many requests are ahead.
void add_queue_place(boost::json::object& body, std::int64_t& retry_after, const std::optional<domain::QueuePlace>& place,
                     std::optional<std::int64_t> remaining = std::nullopt);
// Whether `ahead` requests before a request can take all of `remaining` coupons (an estimate: the requests
// ahead are those of its partition, which may hold other policies; some of them may fail).
bool likely_sold_out(std::int64_t ahead, std::optional<std::int64_t> remaining);
// 202 PENDING: stored by the broker, no outcome yet; Location and Retry-After lead to the status URL. With a
// known place, its position and estimated wait.
Response pending_response(const std::string& request_id, std::int64_t retry_after, domain::RecordLocation where = {},
                          const std::optional<domain::QueuePlace>& place = std::nullopt,
                          std::optional<std::int64_t> remaining = std::nullopt);
// The outcome: 200 with the coupon, or its error status and code (202 PENDING for a Pending result).
Response outcome_response(const domain::IssueResult& result, std::int64_t retry_after,
                          domain::RecordLocation where = {});
// 202 UNCONFIRMED: the broker has not said (yet) whether it stored the request. Not an acceptance, but
// the client can follow the request at its status URL.
Response unconfirmed_response(const std::string& request_id, std::int64_t retry_after);
// 503 with Retry-After: certainly not stored (SERVICE_BUSY when Overloaded, else BROKER_UNAVAILABLE).
Response refused_response(domain::AcceptStatus status, std::int64_t retry_after);

}  // namespace coupon::http
