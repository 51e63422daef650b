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

std::string new_request_id(domain::TimePoint now) {
    const auto ms = static_cast<std::uint64_t>(now.time_since_epoch().count()) & 0xffff'ffff'ffffULL;
    auto& rng = generator();
    const std::uint64_t rand_a = rng() & 0x0fffULL;
    const std::uint64_t rand_b = rng() & 0x3fff'ffff'ffff'ffffULL;
    const std::uint64_t high = (ms << 16) | 0x7000ULL | rand_a;           // version 7
    const std::uint64_t low = 0x8000'0000'0000'0000ULL | rand_b;          // variant 10
    std::string id;
    id.reserve(36);
    put_hex(id, high >> 32, 8);
    id += '-';
    put_hex(id, (high >> 16) & 0xffff, 4);
    id += '-';
    put_hex(id, high & 0xffff, 4);
    id += '-';
    put_hex(id, low >> 48, 4);
    id += '-';
    put_hex(id, low & 0xffff'ffff'ffffULL, 12);
    return id;
}

}  // namespace coupon::http
