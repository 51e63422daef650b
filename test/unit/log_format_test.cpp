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

TEST_CASE("log lines: key fields are JSON members and key=value in text", "[unit][log]") {
    const std::string time = "2026-11-29T10:00:00.000Z";
    const log::Fields fields{.request_id = "req-1",
                             .user_id = "bob\nFAKE 2026 ERROR [x] injected",
                             .policy_id = 7,
                             .topic = "coupon-issue-topic",
                             .partition = 3,
                             .offset = 42};
    const auto object =
        boost::json::parse(log::format_line(log::Format::Json, time, log::Level::Warn, "consumer", "poison", fields))
            .as_object();
    CHECK(object.at("message").as_string() == "poison");
    CHECK(object.at("requestId").as_string() == "req-1");
    CHECK(std::string(object.at("userId").as_string()) == fields.user_id);
    CHECK(object.at("policyId").as_int64() == 7);
    CHECK(object.at("topic").as_string() == "coupon-issue-topic");
    CHECK(object.at("partition").as_int64() == 3);
    CHECK(object.at("offset").as_int64() == 42);

    const std::string text = log::format_line(log::Format::Text, time, log::Level::Warn, "consumer", "poison", fields);
    CHECK(text ==
          "2026-11-29T10:00:00.000Z WARN  [consumer] poison requestId=req-1 userId=bob?FAKE 2026 ERROR [x] injected "
          "policyId=7 topic=coupon-issue-topic partition=3 offset=42\n");

    // Absent fields are left out: a line without any is the plain line.
    const auto partial = boost::json::parse(log::format_line(log::Format::Json, time, log::Level::Info, "kafka", "x",
                                                             {.topic = "t", .partition = 0}))
                             .as_object();
    CHECK(partial.at("partition").as_int64() == 0);
    CHECK_FALSE(partial.contains("offset"));
    CHECK_FALSE(partial.contains("requestId"));
    CHECK(log::format_line(log::Format::Text, time, log::Level::Info, "app", "x", {}) ==
          "2026-11-29T10:00:00.000Z INFO  [app] x\n");
}
