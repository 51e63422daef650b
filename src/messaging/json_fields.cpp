#include "json_fields.hpp"

#include <charconv>
#include <cmath>

#include "coupon/base/time_format.hpp"

namespace coupon::messaging {

std::optional<std::int64_t> read_int64(const boost::json::value& v) {
    if (v.is_int64()) return v.get_int64();
    if (v.is_uint64()) {
        if (v.get_uint64() > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
        return static_cast<std::int64_t>(v.get_uint64());
    }
    if (v.is_double()) {
        const double d = v.get_double();
        if (std::trunc(d) != d || std::fabs(d) > 9.0e15) return std::nullopt;
        return static_cast<std::int64_t>(d);
    }
    if (v.is_string()) return read_decimal(std::string_view(v.get_string()));
    return std::nullopt;
}

std::optional<std::int64_t> read_decimal(std::string_view text) {
    std::int64_t out = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
    return out;
}

namespace {

// A time as Spring writes one (ISO text, LocalDateTime's array, epoch milliseconds), of any year.
std::optional<domain::TimePoint> read_any_time(const boost::json::value& v) {
    using namespace std::chrono;
    if (v.is_string()) return base::parse_time(std::string_view(v.get_string()));
    if (v.is_array()) {
        const auto& a = v.get_array();
        if (a.size() < 5) return std::nullopt;
        std::int64_t f[7] = {0, 0, 0, 0, 0, 0, 0};
        for (std::size_t i = 0; i < a.size() && i < 7; ++i) {
            auto n = read_int64(a[i]);
            if (!n) return std::nullopt;
            f[i] = *n;
        }
        const year_month_day ymd{year{static_cast<int>(f[0])}, month{static_cast<unsigned>(f[1])},
                                 day{static_cast<unsigned>(f[2])}};
        if (!ymd.ok() || f[3] < 0 || f[3] > 23 || f[4] < 0 || f[4] > 59 || f[5] < 0 || f[5] > 60) return std::nullopt;
        return domain::TimePoint{sys_days{ymd} + hours{f[3]} + minutes{f[4]} + seconds{f[5]} +
                                 duration_cast<milliseconds>(nanoseconds{f[6]})};
    }
    if (auto millis = read_int64(v)) return domain::TimePoint{milliseconds{*millis}};
    return std::nullopt;
}

std::optional<domain::TimePoint> storable(std::optional<domain::TimePoint> t) {
    if (!t || !base::is_storable_time(*t)) return std::nullopt;
    return t;
}

}  // namespace

std::optional<domain::TimePoint> read_time(const boost::json::value& v) { return storable(read_any_time(v)); }

std::optional<domain::TimePoint> time_of_text(std::string_view text) { return storable(base::parse_time(text)); }

std::optional<domain::TimePoint> time_of_millis(std::int64_t epoch_millis) {
    return storable(domain::TimePoint{std::chrono::milliseconds{epoch_millis}});
}

}  // namespace coupon::messaging
