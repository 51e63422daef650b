#include "coupon/messaging/partitioner.hpp"

namespace coupon::messaging {

std::int32_t murmur2(std::string_view key) {
    // Written with unsigned arithmetic: Java's int overflow wraps, C++ signed overflow would be undefined.
    const auto* data = reinterpret_cast<const unsigned char*>(key.data());
    const std::uint32_t length = static_cast<std::uint32_t>(key.size());
    constexpr std::uint32_t seed = 0x9747b28c;
    constexpr std::uint32_t m = 0x5bd1e995;
    constexpr int r = 24;
    std::uint32_t h = seed ^ length;
    const std::uint32_t length4 = length / 4;
    for (std::uint32_t i = 0; i < length4; ++i) {
        const std::uint32_t i4 = i * 4;
        std::uint32_t k = static_cast<std::uint32_t>(data[i4]) | (static_cast<std::uint32_t>(data[i4 + 1]) << 8) |
                          (static_cast<std::uint32_t>(data[i4 + 2]) << 16) |
                          (static_cast<std::uint32_t>(data[i4 + 3]) << 24);
        k *= m;
        k ^= k >> r;
        k *= m;
        h *= m;
        h ^= k;
    }
    const std::uint32_t tail = length & ~3u;
    switch (length % 4) {
        case 3: h ^= static_cast<std::uint32_t>(data[tail + 2]) << 16; [[fallthrough]];
        case 2: h ^= static_cast<std::uint32_t>(data[tail + 1]) << 8; [[fallthrough]];
        case 1:
            h ^= static_cast<std::uint32_t>(data[tail]);
            h *= m;
    }
    h ^= h >> 13;
    h *= m;
    h ^= h >> 15;
    return static_cast<std::int32_t>(h);
}

std::int32_t partition_for_key(std::string_view key, std::int32_t partitions) {
    const auto positive = static_cast<std::uint32_t>(murmur2(key)) & 0x7fffffffu;
    return static_cast<std::int32_t>(positive % static_cast<std::uint32_t>(partitions));
}

}  // namespace coupon::messaging
