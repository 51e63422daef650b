#pragma once
#include <string>

#include "coupon/domain/types.hpp"

namespace coupon::http {

// A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds and 74 random bits, so ids from every node and
// every restart are unique without coordination and sort roughly by arrival.
std::string new_request_id(domain::TimePoint now);

}  // namespace coupon::http
