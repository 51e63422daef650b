#pragma once
// The JSON wire format, compatible with the seed's Spring JsonSerializer (DESIGN.md section 3).
//   issue request: key = couponPolicyId (decimal), header __TypeId__ = couponIssueRequest,
//                  value {"userId":1,"couponPolicyId":7,"requestId":"...","requestedAt":"...Z"}
//   result:        key = requestId, value = domain::IssueResult as camelCase JSON
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "coupon/domain/types.hpp"

namespace coupon::messaging {

inline constexpr std::string_view kTypeIdHeader = "__TypeId__";
inline constexpr std::string_view kRequestTypeId = "couponIssueRequest";
inline constexpr std::string_view kRequestClassName = "kr.hhplus.be.server.coupon.domain.event.CouponIssueRequest";

// Where a record was first read; used to derive a missing requestId (see derived_request_id).
struct RecordOrigin {
    std::string_view topic;
    std::int32_t partition = -1;
    std::int64_t offset = -1;
    // The first record's timestamp (epoch millis, -1 when unknown) and key: topic/partition/offset alone
    // repeat when the broker is new (embedded restart, topic re-created) while the database keeps old ids.
    std::int64_t timestamp = -1;
    std::string_view key{};
};

template <typename T>
struct Decoded {
    std::optional<T> value;
    std::string error;  // why the record is poison, when value is empty
};

// The id of a record without requestId (the seed's Spring records):
// "<topic>-<partition>-<offset>-<timestamp>-<16 hex digits of FNV-1a 64 over key and value>". Stable for
// every delivery of the same record (retry topics and the DLT carry its original topic, partition, offset
// and timestamp in headers, and its key and value unchanged), distinct for a different record that a new
// broker incarnation stores at the same offset. Never longer than 128 characters (a long topic name is
// replaced by its hash).
std::string derived_request_id(const RecordOrigin& origin, std::string_view value);

std::string request_key(const domain::IssueRequest& request);
std::string encode_request(const domain::IssueRequest& request);
// type_id: the __TypeId__ header's value, nullopt when absent. Fills partition/offset from origin.
Decoded<domain::IssueRequest> decode_request(std::string_view value, std::optional<std::string_view> type_id,
                                             const RecordOrigin& origin);

std::string encode_result(const domain::IssueResult& result);
Decoded<domain::IssueResult> decode_result(std::string_view value);

}  // namespace coupon::messaging
