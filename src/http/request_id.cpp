#include "request_id.hpp"

#include <array>
#include <cstdint>
#include <random>

namespace coupon::http {
namespace {

std::mt19937_64& generator() {
    // One generator per thread: no lock on the hot path; random_device seeds each so threads and
    // processes do not share sequences.
    thread_local std::mt19937_64 rng([] {
        std::random_device device;
        std::seed_seq seed{device(), device(), device(), device()};
        return std::mt19937_64(seed);
    }());
    return rng;
}

void put_hex(std::string& out, std::uint64_t value, int digits) {
    static constexpr char kHex[] = "0123456789abcdef";
    for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) out += kHex[(value >> shift) & 0xf];
}

}  // namespace

RequestBits new_request_bits(domain::TimePoint now, std::uint32_t slot) {
    const auto ms = static_cast<std::uint64_t>(now.time_since_epoch().count()) & 0xffff'ffff'ffffULL;
    auto& rng = generator();
    const std::uint64_t rand_a = rng() & 0x0fffULL;
    const std::uint64_t rand_b = (rng() & 0x3fff'ffff'0000'0000ULL) | slot;
    return RequestBits{(ms << 16) | 0x7000ULL | rand_a,          // version 7
                       0x8000'0000'0000'0000ULL | rand_b};       // variant 10
}

std::string request_id_text(RequestBits bits) {
    std::string id;
    id.reserve(36);
    put_hex(id, bits.high >> 32, 8);
    id += '-';
    put_hex(id, (bits.high >> 16) & 0xffff, 4);
    id += '-';
    put_hex(id, bits.high & 0xffff, 4);
    id += '-';
    put_hex(id, bits.low >> 48, 4);
    id += '-';
    put_hex(id, bits.low & 0xffff'ffff'ffffULL, 12);
    return id;
}

std::optional<RequestBits> parse_request_id(std::string_view text) {
    if (text.size() != 36) return std::nullopt;
    RequestBits bits;
    int digits = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-') return std::nullopt;
            continue;
        }
        std::uint64_t nibble = 0;
        if (c >= '0' && c <= '9') nibble = static_cast<std::uint64_t>(c - '0');
        else if (c >= 'a' && c <= 'f') nibble = static_cast<std::uint64_t>(c - 'a' + 10);
        else return std::nullopt;
        auto& half = digits < 16 ? bits.high : bits.low;
        half = (half << 4) | nibble;
        ++digits;
    }
    return bits;
}

}  // namespace coupon::http
