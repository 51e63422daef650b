// The log line in both formats (log.format): JSON lines parse whatever the message holds.
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "coupon/base/log.hpp"

using namespace coupon;

TEST_CASE("log lines: text as before, json one object per line", "[unit][log]") {
    const std::string time = "2026-11-29T10:00:00.000Z";
    CHECK(log::format_line(log::Format::Text, time, log::Level::Warn, "http", "slow client") ==
          "2026-11-29T10:00:00.000Z WARN  [http] slow client\n");

    const std::string message = "quote \" backslash \\ newline \n tab \t nul " + std::string(1, '\0') + " end";
    const std::string line = log::format_line(log::Format::Json, time, log::Level::Error, "store", message);
    REQUIRE(line.ends_with("\n"));
    CHECK(line.find('\n') == line.size() - 1);  // one line, whatever the message holds
    const auto object = boost::json::parse(line).as_object();
    CHECK(object.at("time").as_string() == time);
    CHECK(object.at("level").as_string() == "ERROR");
    CHECK(object.at("component").as_string() == "store");
    CHECK(std::string(object.at("message").as_string()) == message);
    CHECK(boost::json::parse(log::format_line(log::Format::Json, time, log::Level::Info, "app", "x"))
              .as_object()
              .at("level")
              .as_string() == "INFO");

    log::Format format{};
    CHECK(log::parse_format("json", format));
    CHECK(format == log::Format::Json);
    CHECK_FALSE(log::parse_format("xml", format));
}
