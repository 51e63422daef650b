#include "retry_info.hpp"

#include <algorithm>
#include <charconv>
#include <type_traits>

namespace coupon::messaging {
namespace {

template <typename T>
std::string big_endian(T v) {
    using U = std::make_unsigned_t<T>;
    const U u = static_cast<U>(v);
    std::string out(sizeof(T), '\0');
    for (std::size_t i = 0; i < sizeof(T); ++i) {
        out[i] = static_cast<char>((u >> (8 * (sizeof(T) - 1 - i))) & 0xff);
    }
    return out;
}

}  // namespace

std::string big_endian_32(std::int32_t v) { return big_endian(v); }
std::string big_endian_64(std::int64_t v) { return big_endian(v); }

std::string java_big_integer(std::int64_t v) {
    std::string bytes = big_endian_64(v);
    // Drop leading bytes that only repeat the sign, as BigInteger does.
    std::size_t start = 0;
    while (start + 1 < bytes.size()) {
        const auto b = static_cast<unsigned char>(bytes[start]);
        const auto next = static_cast<unsigned char>(bytes[start + 1]);
        if ((b == 0x00 && !(next & 0x80)) || (b == 0xff && (next & 0x80))) {
            ++start;
        } else {
            break;
        }
    }
    return bytes.substr(start);
}

std::optional<std::int64_t> read_number_header(std::string_view bytes) {
    if (bytes.empty()) return std::nullopt;
    // 13 ASCII digits for a due time never fit the 8 bytes of a binary long, so the two cannot be confused;
    // short binary values such as attempts = 2 are not printable digits.
    if (bytes.size() > 8 || std::all_of(bytes.begin(), bytes.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        std::int64_t v = 0;
        const auto [end, ec] = std::from_chars(bytes.data(), bytes.data() + bytes.size(), v);
        if (ec != std::errc() || end != bytes.data() + bytes.size()) return std::nullopt;
        return v;
    }
    std::uint64_t u = (static_cast<unsigned char>(bytes[0]) & 0x80) ? ~std::uint64_t{0} : 0;  // sign-extend
    for (char c : bytes) u = (u << 8) | static_cast<unsigned char>(c);
    return static_cast<std::int64_t>(u);
}

RetryInfo read_retry_info(const LastHeader& last_header) {
    RetryInfo info;
    if (auto v = last_header(kAttemptsHeader)) {
        if (auto n = read_number_header(*v); n && *n > 0 && *n < 1'000'000) info.attempts = static_cast<int>(*n);
    }
    if (auto v = last_header(kBackoffHeader)) info.due_millis = read_number_header(*v);
    if (auto v = last_header(kOriginalTopicHeader)) info.original_topic = std::string(*v);
    if (auto v = last_header(kOriginalPartitionHeader)) {
        if (auto n = read_number_header(*v)) info.original_partition = static_cast<std::int32_t>(*n);
    }
    if (auto v = last_header(kOriginalOffsetHeader)) info.original_offset = read_number_header(*v);
    if (auto v = last_header(kOriginalTimestampHeader)) {
        info.original_timestamp = read_number_header(*v);
    } else if (auto s = last_header(kSpringOriginalTimestampHeader)) {
        info.original_timestamp = read_number_header(*s);
    }
    return info;
}

RecordOrigin original_origin(const RetryInfo& info, const RecordOrigin& own) {
    if (info.original_topic && info.original_partition && info.original_offset) {
        // A forwarded record's own timestamp is the forward's; without the header, -1 (stable at every hop, as
        // forward_record writes the header whenever the first record had a timestamp).
        return {*info.original_topic, *info.original_partition, *info.original_offset,
                info.original_timestamp.value_or(-1), own.key};
    }
    return own;
}

}  // namespace coupon::messaging
