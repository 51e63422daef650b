// EdgeLimits (src/http/edge_limits.cpp) without sockets: off means no table at all, and client addresses
// (IPv4 mapped, IPv6) are keys of their own.
#include <catch2/catch.hpp>

#include <arpa/inet.h>

#include <string>

#include "edge_limits.hpp"

using namespace coupon::http;

namespace {

ClientAddress v6(const char* text) {
    ClientAddress address;
    REQUIRE(inet_pton(AF_INET6, text, address.bytes.data()) == 1);
    return address;
}

}  // namespace

TEST_CASE("edge limits off: no limiter is built", "[unit][limits]") {
    CHECK(EdgeLimits::make(EdgeLimitsConfig{}) == nullptr);
    EdgeLimitsConfig user_only;
    user_only.per_user = {1.0, 1};
    auto limits = EdgeLimits::make(user_only);
    REQUIRE(limits != nullptr);
    // The address limit is off: any number of requests from one address pass it.
    for (int i = 0; i < 100; ++i) CHECK_FALSE(limits->admit_address(v6("::ffff:192.0.2.1")).has_value());
}

TEST_CASE("each client address, IPv4 or IPv6, has its own bucket", "[unit][limits]") {
    EdgeLimitsConfig config;
    config.per_address = {0.001, 1};
    auto limits = EdgeLimits::make(config);
    REQUIRE(limits != nullptr);
    const auto a = v6("::ffff:192.0.2.1");
    const auto b = v6("::ffff:192.0.2.2");
    const auto c = v6("2001:db8::1");
    const auto d = v6("2001:db8::2");
    for (const auto& address : {a, b, c, d}) {
        INFO(address.text());
        CHECK_FALSE(limits->admit_address(address).has_value());
        const auto refused = limits->admit_address(address);
        REQUIRE(refused.has_value());
        CHECK(refused->status == 429);
        const auto retry_after = refused->headers.get("Retry-After");
        REQUIRE(retry_after.has_value());
        CHECK(std::stoi(std::string(*retry_after)) > 900);
    }
}

TEST_CASE("a client address prints as dotted IPv4 when mapped, else as IPv6", "[unit][limits]") {
    CHECK(v6("::ffff:192.0.2.1").text() == "192.0.2.1");
    CHECK(v6("2001:db8::1").text() == "2001:db8::1");
    CHECK(ClientAddress{}.text() == "::");
}
