#pragma once
// Java Kafka's default partitioner for keyed records (librdkafka's murmur2_random): a couponPolicyId lands
// on the same partition whether a Java (Spring) producer or this service wrote it.
#include <cstdint>
#include <string_view>

namespace coupon::messaging {

// org.apache.kafka.common.utils.Utils.murmur2
std::int32_t murmur2(std::string_view key);
// toPositive(murmur2(key)) % partitions
std::int32_t partition_for_key(std::string_view key, std::int32_t partitions);

}  // namespace coupon::messaging
