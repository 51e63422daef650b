#pragma once
// Helpers shared by the failure-handling tests: submitting requests, collecting published results, and
// decoding Spring's retry headers independently of the production code.
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "coupon/messaging/result_listener.hpp"
#include "kafka_fixture.hpp"

namespace coupon::test {

// Submits `count` requests (users 1..count unless `user_of` says otherwise) and requires every one Accepted.
std::vector<std::string> submit_all(KafkaFixture& f, domain::PolicyId policy, int count, const std::string& prefix);

// Every result published to the result topic after start().
class PublishedResults {
public:
    explicit PublishedResults(const messaging::KafkaConfig& config);
    ~PublishedResults();
    std::size_t distinct() const;
    std::vector<domain::IssueResult> of(const std::string& request_id) const;
    std::map<std::string, std::vector<domain::IssueResult>> all() const;
    bool wait_for(std::size_t distinct_count, std::chrono::milliseconds timeout = std::chrono::seconds(30)) const;

private:
    mutable std::mutex mutex_;
    std::map<std::string, std::vector<domain::IssueResult>> results_;
    messaging::ResultListener listener_;
};

// Big-endian two's complement of any width (Java's ByteBuffer.putInt / putLong / BigInteger.toByteArray).
std::int64_t java_number(const std::string& bytes);
// BigInteger.valueOf(v).toByteArray() (minimal length).
std::string java_bytes(std::int64_t v);
std::int64_t now_millis();

}  // namespace coupon::test
