#include "coupon/domain/time_format.hpp"

#include <fmt/format.h>

#include <cctype>

namespace coupon::domain {
namespace {

// Reads exactly `width` digits at pos; advances pos.
bool read_digits(std::string_view s, std::size_t& pos, int width, int& out) {
    if (pos + static_cast<std::size_t>(width) > s.size()) return false;
    int v = 0;
    for (int i = 0; i < width; ++i) {
        char c = s[pos + static_cast<std::size_t>(i)];
        if (!std::isdigit(static_cast<unsigned char>(c))) return false;
        v = v * 10 + (c - '0');
    }
    pos += static_cast<std::size_t>(width);
    out = v;
    return true;
}

bool expect(std::string_view s, std::size_t& pos, char c) {
    if (pos >= s.size() || s[pos] != c) return false;
    ++pos;
    return true;
}

}  // namespace

std::string format_time(TimePoint t) {
    using namespace std::chrono;
    const auto day = floor<days>(t);
    const year_month_day ymd{day};
    const hh_mm_ss hms{t - day};
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", static_cast<int>(ymd.year()),
                       static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), hms.hours().count(),
                       hms.minutes().count(), hms.seconds().count(), hms.subseconds().count());
}

bool is_storable_time(TimePoint t) {
    using namespace std::chrono;
    // Compared as durations: converting an arbitrary count of days to a calendar date can overflow.
    constexpr auto first = sys_days{year{0} / January / 1};
    constexpr auto end = sys_days{year{10000} / January / 1};
    return t >= first && t < end;
}

std::optional<TimePoint> parse_time(std::string_view s) {
    using namespace std::chrono;
    std::size_t pos = 0;
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
    if (!read_digits(s, pos, 4, y) || !expect(s, pos, '-') || !read_digits(s, pos, 2, mo) || !expect(s, pos, '-') ||
        !read_digits(s, pos, 2, d) || !(expect(s, pos, 'T') || expect(s, pos, ' ')) || !read_digits(s, pos, 2, h) ||
        !expect(s, pos, ':') || !read_digits(s, pos, 2, mi) || !expect(s, pos, ':') || !read_digits(s, pos, 2, se)) {
        return std::nullopt;
    }
    int millis = 0;
    if (pos < s.size() && s[pos] == '.') {
        ++pos;
        int digits = 0;
        while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
            if (digits < 3) millis = millis * 10 + (s[pos] - '0');
            ++digits;
            ++pos;
        }
        if (digits == 0) return std::nullopt;
        for (int i = digits; i < 3; ++i) millis *= 10;
    }
    int offset_minutes = 0;
    if (pos < s.size()) {
        if (s[pos] == 'Z') {
            ++pos;
        } else if (s[pos] == '+' || s[pos] == '-') {
            const int sign = s[pos] == '+' ? 1 : -1;
            ++pos;
            int oh = 0, om = 0;
            if (!read_digits(s, pos, 2, oh) || !expect(s, pos, ':') || !read_digits(s, pos, 2, om)) return std::nullopt;
            if (oh > 18 || om > 59) return std::nullopt;
            offset_minutes = sign * (oh * 60 + om);
        } else {
            return std::nullopt;
        }
    }
    if (pos != s.size()) return std::nullopt;
    const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
    if (!ymd.ok() || h > 23 || mi > 59 || se > 60) return std::nullopt;
    const auto local = sys_days{ymd} + hours{h} + minutes{mi} + seconds{se} + milliseconds{millis};
    return TimePoint{local - minutes{offset_minutes}};
}

}  // namespace coupon::domain
