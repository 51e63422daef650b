#pragma once
// Dead letters as the admin API's JSON.
#include <boost/json/object.hpp>

#include "coupon/domain/dead_letters.hpp"

namespace coupon::http {

// {"id","topic","partition","offset","originalTopic","originalPartition","originalOffset","key","payload",
//  "headers":{name:value},"error","createdAt","replayedAt","requestId","userId","couponPolicyId",
//  "binaryFields":[...]}. Byte fields that are not UTF-8 text (key, payload, a header value) are given in
// base64 and named in binaryFields ("key", "payload", "headers.<name>"). A repeated header name shows its
// last value (the one Kafka clients' lastHeader() reads). Absent values are null.
boost::json::object dead_letter_json(const domain::DeadLetter& letter);

}  // namespace coupon::http
