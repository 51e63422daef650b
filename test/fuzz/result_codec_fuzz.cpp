// scripts/fuzz: -max_len=4096
// The result codec as every node's result listener runs it (result_listener.cpp): decode_result over a record
// value from the result topic, written by our consumers or by another producer. A decoded result must survive
// our own encoding unchanged (results are re-read by every node and stored answers are compared).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "coupon/messaging/message_codec.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace coupon;
    const std::string_view value(reinterpret_cast<const char*>(data), size);
    const auto decoded = messaging::decode_result(value);
    if (!decoded.value) {
        if (decoded.error.empty()) fuzz::fail("a refused result without a reason", std::string(value));
        return 0;
    }
    const domain::IssueResult& r = *decoded.value;
    const std::string encoded = messaging::encode_result(r);
    const auto again = messaging::decode_result(encoded);
    if (!again.value) fuzz::fail("our own encoding does not decode: " + again.error, encoded);
    const domain::IssueResult& a = *again.value;
    if (a.request_id != r.request_id || a.user_id != r.user_id || a.policy_id != r.policy_id ||
        a.outcome != r.outcome || a.coupon_id != r.coupon_id || a.issued_at != r.issued_at ||
        a.decided_at != r.decided_at || a.remaining != r.remaining || a.error != r.error) {
        fuzz::fail("a decoded result does not survive encode_result", std::string(value) + "\n" + encoded);
    }
    return 0;
}
