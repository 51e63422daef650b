#pragma once
// Logging to stderr, one line per call, written with a single write so lines from threads never interleave:
//   text: 2026-11-24T00:00:00.000Z INFO  [component] message
//   json: {"time":"2026-11-24T00:00:00.000Z","level":"INFO","component":"component","message":"message"}
// (log.format; JSON for collectors that parse lines: journald forwarders, Loki, Elasticsearch).
// A line about one request, record or policy also carries its key fields (log::Fields): separate members in
// JSON ("requestId", "userId", "policyId", "topic", "partition", "offset"), so a collector can search by them;
// `key=value` after the message in text.
#include <fmt/format.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace coupon::log {

enum class Level { Debug = 0, Info = 1, Warn = 2, Error = 3 };
enum class Format { Text, Json };

// Key fields of a line; empty or absent ones are left out. Values from clients (ids) are escaped in JSON and
// cut to a bound with control characters replaced in text, so a line stays one line.
struct Fields {
    std::string_view request_id = {};
    std::string_view user_id = {};
    std::optional<std::int64_t> policy_id = {};
    std::string_view topic = {};
    std::optional<std::int32_t> partition = {};
    std::optional<std::int64_t> offset = {};
};

void set_level(Level level);
Level level();
bool parse_level(std::string_view text, Level& out);
void set_format(Format format);
bool parse_format(std::string_view text, Format& out);
// The line write() emits, newline included (tests).
std::string format_line(Format format, std::string_view time, Level level, std::string_view component,
                        std::string_view message, const Fields& fields = {});
void write(Level level, std::string_view component, std::string_view message, const Fields& fields = {});

template <typename... Args>
void debug(std::string_view component, fmt::format_string<Args...> f, Args&&... args) {
    if (level() <= Level::Debug) write(Level::Debug, component, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void info(std::string_view component, fmt::format_string<Args...> f, Args&&... args) {
    if (level() <= Level::Info) write(Level::Info, component, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void warn(std::string_view component, fmt::format_string<Args...> f, Args&&... args) {
    if (level() <= Level::Warn) write(Level::Warn, component, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void error(std::string_view component, fmt::format_string<Args...> f, Args&&... args) {
    write(Level::Error, component, fmt::format(f, std::forward<Args>(args)...));
}

// The same, for a line about one request, record or policy.
template <typename... Args>
void debug(std::string_view component, const Fields& fields, fmt::format_string<Args...> f, Args&&... args) {
    if (level() <= Level::Debug) write(Level::Debug, component, fmt::format(f, std::forward<Args>(args)...), fields);
}
template <typename... Args>
void info(std::string_view component, const Fields& fields, fmt::format_string<Args...> f, Args&&... args) {
    if (level() <= Level::Info) write(Level::Info, component, fmt::format(f, std::forward<Args>(args)...), fields);
}
template <typename... Args>
void warn(std::string_view component, const Fields& fields, fmt::format_string<Args...> f, Args&&... args) {
    if (level() <= Level::Warn) write(Level::Warn, component, fmt::format(f, std::forward<Args>(args)...), fields);
}
template <typename... Args>
void error(std::string_view component, const Fields& fields, fmt::format_string<Args...> f, Args&&... args) {
    write(Level::Error, component, fmt::format(f, std::forward<Args>(args)...), fields);
}

}  // namespace coupon::log
