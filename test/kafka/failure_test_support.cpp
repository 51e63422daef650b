#include "failure_test_support.hpp"

#include <catch2/catch.hpp>

#include "coupon/messaging/kafka_request_sink.hpp"

namespace coupon::test {

std::vector<std::string> submit_all(KafkaFixture& f, domain::PolicyId policy, int count, const std::string& prefix) {
    VerdictCollector verdicts;
    // A backlog as a flood leaves it: batched by linger.ms, not sent record by record through the quiet
    // producer (KafkaConfig::send_at_once_below_per_s). The embedded broker hands out one record set per fetch,
    // and the tests built on this expect the consumers' first batch to be the whole backlog (under TSan the
    // quiet producer cut 50 records into 17 + 33, and the backlog guard test saw the 17 forwarded).
    messaging::KafkaConfig config = f.config;
    config.send_at_once_below_per_s = 0;
    messaging::KafkaRequestSink sink(config);
    sink.start();
    std::vector<std::string> ids;
    for (int i = 0; i < count; ++i) {
        ids.push_back(prefix + std::to_string(i));
        sink.submit(make_request(i + 1, policy, ids.back()), verdicts.expect(ids.back()));
    }
    REQUIRE(verdicts.wait_all(static_cast<std::size_t>(count)));
    sink.stop();
    for (const auto& [id, status] : verdicts.verdicts()) REQUIRE(status == domain::AcceptStatus::Accepted);
    return ids;
}

PublishedResults::PublishedResults(const messaging::KafkaConfig& config)
    : listener_(config, [this](const domain::IssueResult& r) {
          std::lock_guard lock(mutex_);
          results_[r.request_id].push_back(r);
      }) {
    listener_.start();
}

PublishedResults::~PublishedResults() { listener_.stop(); }

std::size_t PublishedResults::distinct() const {
    std::lock_guard lock(mutex_);
    return results_.size();
}

std::vector<domain::IssueResult> PublishedResults::of(const std::string& request_id) const {
    std::lock_guard lock(mutex_);
    auto it = results_.find(request_id);
    return it == results_.end() ? std::vector<domain::IssueResult>{} : it->second;
}

std::map<std::string, std::vector<domain::IssueResult>> PublishedResults::all() const {
    std::lock_guard lock(mutex_);
    return results_;
}

bool PublishedResults::wait_for(std::size_t distinct_count, std::chrono::milliseconds timeout) const {
    return wait_until([&] { return distinct() >= distinct_count; }, timeout);
}

std::int64_t java_number(const std::string& bytes) {
    REQUIRE(!bytes.empty());
    REQUIRE(bytes.size() <= 8);
    std::uint64_t u = (static_cast<unsigned char>(bytes[0]) & 0x80) ? ~std::uint64_t{0} : 0;
    for (char c : bytes) u = (u << 8) | static_cast<unsigned char>(c);
    return static_cast<std::int64_t>(u);
}

std::string java_bytes(std::int64_t v) {
    std::string out;
    for (;;) {
        out.insert(out.begin(), static_cast<char>(v & 0xff));
        const auto top = static_cast<unsigned char>(out.front());
        v >>= 8;  // arithmetic shift keeps the sign
        if ((v == 0 && !(top & 0x80)) || (v == -1 && (top & 0x80))) return out;
    }
}

std::int64_t now_millis() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace coupon::test
