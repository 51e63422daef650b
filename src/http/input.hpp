#pragma once
// Reading what clients send: ids in paths and bodies, request ids, JSON bodies, the Prefer header.
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "coupon/domain/types.hpp"
#include "coupon/http/message.hpp"

namespace coupon::http {

// A positive 64-bit id written as plain decimal digits without leading zeros (its one canonical form);
// nullopt for 0, "007", signs, non-digits and overflow.
std::optional<std::int64_t> parse_id(std::string_view text);
// A positive id from JSON: an integer, or a string of digits (Jackson accepts "7" for a Long too).
std::optional<std::int64_t> id_from_json(const boost::json::value& value);
// Request ids are ours (UUIDs) or derived from topic/partition/offset: short, URL-safe characters.
using domain::valid_request_id;

// The body as a JSON object; on failure `error` holds the 400 answer.
std::optional<boost::json::object> parse_object(const std::string& body, Response& error);

// True when the client asked not to wait (RFC 7240 "Prefer: respond-async").
bool prefers_async(const Headers& headers);

}  // namespace coupon::http
