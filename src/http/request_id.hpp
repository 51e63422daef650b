#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "coupon/domain/types.hpp"

namespace coupon::http {

// A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds and 74 random bits, so ids from every node and
// every restart are unique without coordination and sort roughly by arrival.
std::string new_request_id(domain::TimePoint now);
// The same, with `slot` in the low 32 bits of the random part (42 random bits are left, per millisecond):
// the OutcomeBoard finds the request's entry from its id without a table (see outcome_board.hpp).
std::string new_request_id(domain::TimePoint now, std::uint32_t slot);

// The 128 bits of a UUID written as new_request_id writes them (lowercase, 8-4-4-4-12); nullopt for any
// other text, which keeps every id one text and one value.
struct RequestBits {
    std::uint64_t high = 0;
    std::uint64_t low = 0;
    bool operator==(const RequestBits&) const = default;
};
std::optional<RequestBits> parse_request_id(std::string_view text);

}  // namespace coupon::http
