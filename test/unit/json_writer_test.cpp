// The hand-written JSON and time writers against what they replaced: boost::json::serialize and fmt.
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <random>

#include "coupon/base/json_writer.hpp"
#include "coupon/base/time_format.hpp"

using namespace coupon::base;

namespace {

std::string written(std::string_view text) {
    std::string out;
    append_json_string(out, text);
    return out;
}

// The previous format_time, kept as the reference.
std::string fmt_time(TimePoint t) {
    using namespace std::chrono;
    const auto day = floor<days>(t);
    const year_month_day ymd{day};
    const hh_mm_ss hms{t - day};
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", static_cast<int>(ymd.year()),
                       static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), hms.hours().count(),
                       hms.minutes().count(), hms.seconds().count(), hms.subseconds().count());
}

}  // namespace

TEST_CASE("json strings are escaped as boost::json::serialize escapes them", "[json]") {
    std::string every_byte;
    for (int c = 0; c < 256; ++c) every_byte += static_cast<char>(c);
    const std::string utf8[] = {"", "plain", "quote \" and backslash \\", "tab\tnew\nline\r",
                                std::string("nul\0here", 8), "bell\x07 esc\x1b del\x7f", "caf\xc3\xa9 \xe2\x82\xac"};
    for (const auto& s : utf8) {
        CHECK(written(s) == boost::json::serialize(boost::json::string(s)));
        CHECK(boost::json::parse(written(s)).as_string() == boost::json::string(s));  // reads back as the same bytes
    }
    // Bytes that are not UTF-8 are copied as serialize copies them (readers refuse such text either way).
    CHECK(written(every_byte) == boost::json::serialize(boost::json::string(every_byte)));
}

TEST_CASE("an object writer writes what a reader reads back", "[json]") {
    std::string out = "prefix:";
    JsonObjectWriter(out)
        .text("name", "a \"b\"")
        .number("small", -42)
        .number("big", INT64_MIN)
        .number_or_null("none", std::nullopt)
        .number_or_null("some", 7)
        .time("at", TimePoint{std::chrono::milliseconds{1'764'547'200'123}})
        .time_or_null("never", std::nullopt)
        .null("nothing")
        .boolean("yes", true)
        .boolean("no", false)
        .close();
    REQUIRE(out.starts_with("prefix:{"));
    const auto doc = boost::json::parse(out.substr(7)).as_object();
    CHECK(doc.at("name").as_string() == "a \"b\"");
    CHECK(doc.at("small").as_int64() == -42);
    CHECK(doc.at("big").as_int64() == INT64_MIN);
    CHECK(doc.at("none").is_null());
    CHECK(doc.at("some").as_int64() == 7);
    CHECK(doc.at("at").as_string() == "2025-12-01T00:00:00.123Z");
    CHECK(doc.at("never").is_null());
    CHECK(doc.at("nothing").is_null());
    CHECK(doc.at("yes").as_bool());
    CHECK_FALSE(doc.at("no").as_bool());
    CHECK(doc.size() == 10);

    std::string empty;
    JsonObjectWriter(empty).close();
    CHECK(empty == "{}");
}

TEST_CASE("format_time writes what fmt wrote, inside and outside years 0000-9999", "[domain]") {
    using namespace std::chrono;
    std::mt19937_64 rng(20261129);
    const std::int64_t first = sys_days{year{0} / January / 1}.time_since_epoch().count() * 86'400'000LL;
    const std::int64_t end = sys_days{year{10000} / January / 1}.time_since_epoch().count() * 86'400'000LL;
    std::uniform_int_distribution<std::int64_t> storable(first, end - 1);
    for (int i = 0; i < 100'000; ++i) {
        const TimePoint t{milliseconds{storable(rng)}};
        REQUIRE(format_time(t) == fmt_time(t));
    }
    for (const std::int64_t ms : {first, end - 1, std::int64_t{0}, std::int64_t{-1}, std::int64_t{86'399'999}}) {
        const TimePoint t{milliseconds{ms}};
        CHECK(format_time(t) == fmt_time(t));
    }
    // Beyond the storable years the text is still fmt's (a test's or a log line's odd time).
    for (const std::int64_t ms : {first - 1, end, end + std::int64_t{86'400'000} * 400}) {
        const TimePoint t{milliseconds{ms}};
        CHECK(format_time(t) == fmt_time(t));
    }
    std::string out = "at ";
    append_time(out, TimePoint{milliseconds{0}});
    CHECK(out == "at 1970-01-01T00:00:00.000Z");
}
