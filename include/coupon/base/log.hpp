#pragma once
// Logging to stderr, one line per call, written with a single write so lines from threads never interleave:
//   text: 2026-11-24T00:00:00.000Z INFO  [component] message
//   json: {"time":"2026-11-24T00:00:00.000Z","level":"INFO","component":"component","message":"message"}
// (log.format; JSON for collectors that parse lines: journald forwarders, Loki, Elasticsearch).
#include <fmt/format.h>

#include <string>
#include <string_view>

namespace coupon::log {

enum class Level { Debug = 0, Info = 1, Warn = 2, Error = 3 };
enum class Format { Text, Json };

void set_level(Level level);
Level level();
bool parse_level(std::string_view text, Level& out);
void set_format(Format format);
bool parse_format(std::string_view text, Format& out);
// The line write() emits, newline included (tests).
std::string format_line(Format format, std::string_view time, Level level, std::string_view component,
                        std::string_view message);
void write(Level level, std::string_view component, std::string_view message);

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

}  // namespace coupon::log
