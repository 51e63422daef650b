// scripts/fuzz: -max_len=16384
// The JSON request bodies (input.cpp's parse_object and id_from_json, policy_admin.cpp's read_policy): the
// bytes as the body of POST /api/coupons/{userId} and of an admin's POST /api/coupon-policies, given straight
// to the handlers (api_world.cpp checks each answer). A policy the handler accepts must read back the same.
#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

#include "api_world.hpp"

namespace {

coupon::http::Request post(std::string target, const std::uint8_t* data, std::size_t size) {
    // The router fills path_params; here the handler gets them as a match of its pattern would.
    coupon::http::Request request;
    request.method = "POST";
    request.target = target;
    request.path = std::move(target);
    request.headers.add("Content-Type", "application/json");
    request.headers.add("Authorization", std::string("Bearer ") + coupon::fuzz::kAdminToken);
    request.body.assign(reinterpret_cast<const char*>(data), size);
    if (request.path.starts_with("/api/coupons/")) request.path_params["userId"] = request.path.substr(13);
    return request;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using coupon::fuzz::call;
    using coupon::fuzz::fail;
    namespace http = coupon::http;
    static const http::Handler issue = http::make_issue_handler(coupon::fuzz::context(), nullptr);
    static const http::Handler create = http::make_policy_create_handler(coupon::fuzz::context());
    static const http::Handler get_policy = http::make_policy_get_handler(coupon::fuzz::context());
    call(issue, post("/api/coupons/6", data, size));
    const auto created = call(create, post("/api/coupon-policies", data, size));
    if (created.status != 201) return 0;
    // Read back: what was stored is what the body said (its JSON parsed the same twice).
    const auto body = boost::json::parse(created.body).as_object();
    http::Request get;
    get.method = "GET";
    get.path_params["id"] = std::to_string(body.at("id").as_int64());
    get.path = get.target = "/api/coupon-policies/" + get.path_params["id"];
    const auto read = call(get_policy, std::move(get));
    if (read.status != 200 || boost::json::parse(read.body) != boost::json::value(body)) {
        fail("a created policy reads back differently", created.body + "\n" + read.body);
    }
    coupon::fuzz::forget_created_policies();
    return 0;
}
