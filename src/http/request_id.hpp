#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "coupon/domain/types.hpp"

namespace coupon::http {

// A request id is a UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then 42 random bits and the 32-bit
// slot of the node's outcome board, so ids from every node and every restart are unique without
// coordination and sort roughly by arrival. Its 128 bits, written as 8-4-4-4-12 lowercase hex:
struct RequestBits {
    std::uint64_t high = 0;
    std::uint64_t low = 0;
    bool operator==(const RequestBits&) const = default;
};
// A new id's bits, with `slot` in the low 32 bits of the random part (42 random bits are left, per
// millisecond): the OutcomeBoard finds the request's entry from its id without a table (outcome_board.hpp).
RequestBits new_request_bits(domain::TimePoint now, std::uint32_t slot);
std::string request_id_text(RequestBits bits);
// The bits of a text request_id_text wrote; nullopt for any other text, which keeps every id one text and
// one value.
std::optional<RequestBits> parse_request_id(std::string_view text);

}  // namespace coupon::http
