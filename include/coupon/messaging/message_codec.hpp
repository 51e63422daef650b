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

// Where a record was read; used to derive a missing requestId ("<topic>-<partition>-<offset>").
struct RecordOrigin {
    std::string_view topic;
    std::int32_t partition = -1;
    std::int64_t offset = -1;
};

template <typename T>
struct Decoded {
    std::optional<T> value;
    std::string error;  // why the record is poison, when value is empty
};

std::string request_key(const domain::IssueRequest& request);
std::string encode_request(const domain::IssueRequest& request);
// type_id: the __TypeId__ header's value, nullopt when absent. Fills partition/offset from origin.
Decoded<domain::IssueRequest> decode_request(std::string_view value, std::optional<std::string_view> type_id,
                                             const RecordOrigin& origin);

std::string encode_result(const domain::IssueResult& result);
Decoded<domain::IssueResult> decode_result(std::string_view value);

}  // namespace coupon::messaging
