#pragma once
// Splits a fuzz input into the parts of a Kafka record, so seeds can be written by hand:
//   value RS key RS header RS header ...   (RS = 0x1e; a header is name US value, US = 0x1f;
//                                            a header without US has a null value)
// Binary header values (Spring's big-endian numbers) may hold any byte but RS.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace coupon::fuzz {

struct RecordFields {
    std::string_view value;
    std::string_view key;
    std::vector<std::pair<std::string_view, std::optional<std::string_view>>> headers;

    // Like Java's Headers.lastHeader and librdkafka's rd_kafka_header_get_last.
    std::optional<std::optional<std::string_view>> last(std::string_view name) const {
        for (auto it = headers.rbegin(); it != headers.rend(); ++it) {
            if (it->first == name) return it->second;
        }
        return std::nullopt;
    }
};

inline RecordFields split_record(const std::uint8_t* data, std::size_t size) {
    std::string_view rest(reinterpret_cast<const char*>(data), size);
    std::vector<std::string_view> parts;
    for (;;) {
        const auto cut = rest.find('\x1e');
        parts.push_back(rest.substr(0, cut));
        if (cut == std::string_view::npos) break;
        rest.remove_prefix(cut + 1);
    }
    RecordFields fields;
    fields.value = parts[0];
    if (parts.size() > 1) fields.key = parts[1];
    for (std::size_t i = 2; i < parts.size(); ++i) {
        const auto cut = parts[i].find('\x1f');
        if (cut == std::string_view::npos) {
            fields.headers.emplace_back(parts[i], std::nullopt);
        } else {
            fields.headers.emplace_back(parts[i].substr(0, cut), parts[i].substr(cut + 1));
        }
    }
    return fields;
}

}  // namespace coupon::fuzz
