#include "coupon/base/log.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>

#include "coupon/base/json_writer.hpp"
#include "coupon/base/time_format.hpp"

namespace coupon::log {
namespace {

std::atomic<Level> g_level{Level::Info};
std::atomic<Format> g_format{Format::Text};

std::string_view name_of(Level level) {
    switch (level) {
        case Level::Debug: return "DEBUG";
        case Level::Info: return "INFO ";
        case Level::Warn: return "WARN ";
        case Level::Error: return "ERROR";
    }
    return "?";
}

// In text, a field from a client could end the line early or carry terminal escapes: control bytes become
// '?' and a value is cut, so one call stays one line (JSON escapes instead).
constexpr std::size_t kTextFieldMax = 128;

void append_text_field(std::string& line, std::string_view key, std::string_view value) {
    line += ' ';
    line += key;
    line += '=';
    if (value.size() > kTextFieldMax) value = value.substr(0, kTextFieldMax);
    for (const char c : value) line += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
}

void append_text_fields(std::string& line, const Fields& f) {
    if (!f.request_id.empty()) append_text_field(line, "requestId", f.request_id);
    if (!f.user_id.empty()) append_text_field(line, "userId", f.user_id);
    if (f.policy_id) append_text_field(line, "policyId", std::to_string(*f.policy_id));
    if (!f.topic.empty()) append_text_field(line, "topic", f.topic);
    if (f.partition) append_text_field(line, "partition", std::to_string(*f.partition));
    if (f.offset) append_text_field(line, "offset", std::to_string(*f.offset));
}

void append_json_fields(base::JsonObjectWriter& object, const Fields& f) {
    if (!f.request_id.empty()) object.text("requestId", f.request_id);
    if (!f.user_id.empty()) object.text("userId", f.user_id);
    if (f.policy_id) object.number("policyId", *f.policy_id);
    if (!f.topic.empty()) object.text("topic", f.topic);
    if (f.partition) object.number("partition", *f.partition);
    if (f.offset) object.number("offset", *f.offset);
}

}  // namespace

void set_level(Level level) { g_level.store(level, std::memory_order_relaxed); }
Level level() { return g_level.load(std::memory_order_relaxed); }

bool parse_level(std::string_view text, Level& out) {
    if (text == "debug") out = Level::Debug;
    else if (text == "info") out = Level::Info;
    else if (text == "warn") out = Level::Warn;
    else if (text == "error") out = Level::Error;
    else return false;
    return true;
}

void set_format(Format format) { g_format.store(format, std::memory_order_relaxed); }

bool parse_format(std::string_view text, Format& out) {
    if (text == "text") out = Format::Text;
    else if (text == "json") out = Format::Json;
    else return false;
    return true;
}

std::string format_line(Format format, std::string_view time, Level level, std::string_view component,
                        std::string_view message, const Fields& fields) {
    if (format == Format::Text) {
        std::string line = fmt::format("{} {} [{}] {}", time, name_of(level), component, message);
        append_text_fields(line, fields);
        line += '\n';
        return line;
    }
    std::string line;
    line.reserve(64 + component.size() + message.size());
    std::string_view name = name_of(level);
    while (name.ends_with(' ')) name.remove_suffix(1);
    base::JsonObjectWriter object(line);
    object.text("time", time).text("level", name).text("component", component).text("message", message);
    append_json_fields(object, fields);
    object.close();
    line += '\n';
    return line;
}

void write(Level level, std::string_view component, std::string_view message, const Fields& fields) {
    const auto now = std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
    std::string line =
        format_line(g_format.load(std::memory_order_relaxed), base::format_time(now), level, component, message, fields);
    // One write() per line: atomic for pipes and files up to PIPE_BUF, good enough for log lines.
    const char* p = line.data();
    std::size_t left = line.size();
    while (left > 0) {
        const ssize_t n = ::write(STDERR_FILENO, p, left);
        if (n <= 0) break;
        p += n;
        left -= static_cast<std::size_t>(n);
    }
}

}  // namespace coupon::log
