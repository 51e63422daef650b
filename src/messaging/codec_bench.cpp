// How fast the record codecs run, per record, for the shapes the node reads: its own request and result
// records (a flat object, scanned in place: json_object_reader.hpp) and a Spring producer's request (an
// escape and LocalDateTime's array: read through Boost.JSON). Prints figures; asserts nothing.
//   codec_bench [records=1000000]
#include <fmt/format.h>

#include <chrono>
#include <string>

#include "coupon/base/time_format.hpp"
#include "coupon/messaging/message_codec.hpp"

using namespace coupon;
using namespace coupon::messaging;
using Clock = std::chrono::steady_clock;

namespace {

template <typename Decode>
void measure(const char* what, int records, Decode decode) {
    std::size_t decoded = 0;  // used, so the calls are not optimized away
    const auto start = Clock::now();
    for (int i = 0; i < records; ++i) decoded += decode() ? 1 : 0;
    const double s = std::chrono::duration<double>(Clock::now() - start).count();
    fmt::print("  {:<44} {:8.0f} ns/record  ({} of {} decoded)\n", what, s * 1e9 / records, decoded, records);
}

}  // namespace

int main(int argc, char** argv) {
    const int records = argc > 1 ? std::stoi(argv[1]) : 1000000;
    domain::IssueRequest request;
    request.request_id = "0193a7c2-7f00-7abc-8def-000000000001";
    request.user_id = 600000123;
    request.policy_id = 7;
    request.requested_at = *base::parse_time("2026-12-01T01:00:00.123Z");
    domain::IssueResult result;
    result.request_id = request.request_id;
    result.user_id = request.user_id;
    result.policy_id = 7;
    result.outcome = domain::Outcome::Issued;
    result.coupon_id = 123456;
    result.issued_at = request.requested_at;
    result.decided_at = request.requested_at;
    result.remaining = 9876;
    const std::string ours = encode_request(request);
    const std::string spring =
        R"({"userId":600000123,"couponPolicyId":7,"requestId":"0193a7c2\u002d7f00-7abc-8def-000000000001",)"
        R"("requestedAt":[2026,12,1,10,0,0,123000000]})";
    const std::string result_json = encode_result(result);
    const RecordOrigin origin{"coupon-issue-topic", 3, 42, 1764583200123, "7"};
    fmt::print("codec_bench, {} records each\n", records);
    measure("decode_request, our record", records,
            [&] { return decode_request(ours, kRequestTypeId, origin).value.has_value(); });
    measure("decode_request, a Spring record (document)", records,
            [&] { return decode_request(spring, kRequestTypeId, origin).value.has_value(); });
    measure("decode_result, our record", records, [&] { return decode_result(result_json).value.has_value(); });
    measure("encode_result", records, [&] { return !encode_result(result).empty(); });
}
