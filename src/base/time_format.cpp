#include "coupon/base/time_format.hpp"

#include <fmt/format.h>

#include <cctype>
#include <iterator>

namespace coupon::base {
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

void append_time(std::string& out, TimePoint t) {
    using namespace std::chrono;
    if (!is_storable_time(t)) {
        // Outside years 0000-9999 the fixed-width writer below does not apply; such times are refused on
        // arrival and only reach here from a test or a log line.
        const auto day = floor<days>(t);
        const year_month_day ymd{day};
        const hh_mm_ss hms{t - day};
        fmt::format_to(std::back_inserter(out), "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
                       static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                       static_cast<unsigned>(ymd.day()), hms.hours().count(), hms.minutes().count(),
                       hms.seconds().count(), hms.subseconds().count());
        return;
    }
    // Written digit by digit: fmt::format of the seven fields was about a tenth of the issue worker's time
    // (perf), since every request's times are written for the database, the result record and the answer.
    const auto day = floor<days>(t);
    const year_month_day ymd{day};
    const auto ms_of_day = static_cast<unsigned>((t - day).count());  // TimePoint counts milliseconds
    char text[24];
    auto put = [&text](int at, unsigned value, int width) {
        for (int i = at + width - 1; i >= at; --i, value /= 10) text[i] = static_cast<char>('0' + value % 10);
    };
    put(0, static_cast<unsigned>(static_cast<int>(ymd.year())), 4);
    text[4] = '-';
    put(5, static_cast<unsigned>(ymd.month()), 2);
    text[7] = '-';
    put(8, static_cast<unsigned>(ymd.day()), 2);
    text[10] = 'T';
    put(11, ms_of_day / 3'600'000, 2);
    text[13] = ':';
    put(14, ms_of_day / 60'000 % 60, 2);
    text[16] = ':';
    put(17, ms_of_day / 1000 % 60, 2);
    text[19] = '.';
    put(20, ms_of_day % 1000, 3);
    text[23] = 'Z';
    out.append(text, sizeof text);
}

std::string format_time(TimePoint t) {
    std::string out;
    append_time(out, t);
    return out;
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

}  // namespace coupon::base
