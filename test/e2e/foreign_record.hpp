#pragma once
// Records written to the issue topic as another Kafka client would write them (kcat, with Java's murmur2
// partitioner so a key lands where a Spring producer puts it), for tests of what the consumers do with
// records this server did not produce.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <string>

namespace coupon::test {

// The first line of a file (the embedded broker's bootstrap file).
inline std::string first_line(const std::string& path) {
    std::ifstream in(path);
    std::string text;
    std::getline(in, text);
    return text;
}

// Writes `value` with key `key` and type header `type_id` to coupon-issue-topic through kcat; `dir` holds the
// value's temporary file.
inline void produce_foreign(const std::string& bootstrap, const std::string& key, const std::string& value,
                            const std::string& dir, const std::string& type_id = "couponIssueRequest") {
    const std::string file = dir + "/foreign-record";
    std::ofstream(file, std::ios::binary) << value;
    const std::string command = "kcat -P -b " + bootstrap + " -t coupon-issue-topic -k " + key +
                                " -H __TypeId__=" + type_id +
                                " -X message.max.bytes=2000000 -X topic.partitioner=murmur2_random " + file + " 2>&1";
    REQUIRE(std::system(command.c_str()) == 0);
}

}  // namespace coupon::test
