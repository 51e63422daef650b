// The DLT consumer and replay: poison records become dead letters without a request, dead-lettered requests
// get FAILED and can be replayed exactly once, and the webhook hears about every dead letter.
#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "coupon/messaging/kafka_replayer.hpp"
#include "coupon/messaging/message_codec.hpp"
#include "failure_test_support.hpp"

using namespace coupon;
using namespace coupon::test;
using namespace std::chrono_literals;

namespace {

template <typename T>
std::string big_endian(T v) {
    std::string s(sizeof(T), '\0');
    for (std::size_t i = 0; i < sizeof(T); ++i) {
        s[i] = static_cast<char>((static_cast<std::uint64_t>(v) >> (8 * (sizeof(T) - 1 - i))) & 0xff);
    }
    return s;
}
std::string be32(std::int32_t v) { return big_endian(v); }
std::string be64(std::int64_t v) { return big_endian(v); }

std::map<std::string, std::string> dlt_headers(const std::string& type, const std::string& topic, std::int32_t partition,
                                               std::int64_t offset) {
    return {{"__TypeId__", type},
            {"kafka_original-topic", topic},
            {"kafka_original-partition", be32(partition)},
            {"kafka_original-offset", be64(offset)},
            {"kafka_exception-fqcn", "coupon.StoreError"},
            {"kafka_exception-message", "database unreachable"}};
}

// A listening socket on 127.0.0.1 with a free port.
int loopback_listener(std::uint16_t& port, int backlog) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
    REQUIRE(::listen(fd, backlog) == 0);
    return fd;
}

// Accepts connections on 127.0.0.1 and keeps each request body; answers 204.
class HookServer {
public:
    HookServer() {
        fd_ = loopback_listener(port_, 8);
        thread_ = std::thread([this] { serve(); });
    }
    ~HookServer() {
        ::shutdown(fd_, SHUT_RDWR);
        ::close(fd_);
        thread_.join();
    }
    int port() const { return port_; }
    std::vector<std::string> bodies() const {
        std::lock_guard lock(mutex_);
        return bodies_;
    }

private:
    void serve() {
        for (;;) {
            const int c = ::accept(fd_, nullptr, nullptr);
            if (c < 0) return;
            std::string in;
            char buf[4096];
            for (;;) {
                const auto end = in.find("\r\n\r\n");
                if (end != std::string::npos) {
                    const auto cl = in.find("Content-Length: ");
                    const std::size_t length = cl == std::string::npos ? 0 : std::stoul(in.substr(cl + 16));
                    if (in.size() >= end + 4 + length) {
                        std::lock_guard lock(mutex_);
                        bodies_.push_back(in.substr(end + 4, length));
                        break;
                    }
                }
                const ssize_t n = ::recv(c, buf, sizeof buf, 0);
                if (n <= 0) break;
                in.append(buf, static_cast<std::size_t>(n));
            }
            const std::string reply = "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n";
            (void)::send(c, reply.data(), reply.size(), MSG_NOSIGNAL);
            ::close(c);
        }
    }

    int fd_ = -1;
    std::uint16_t port_ = 0;
    std::thread thread_;
    mutable std::mutex mutex_;
    std::vector<std::string> bodies_;
};

}  // namespace

TEST_CASE("dead letters: a poison record is stored without a request and the partition keeps moving",
          "[dlt][poison]") {
    KafkaFixture f(2);
    HookServer hook;
    f.config.dead_letter_webhook = "http://127.0.0.1:" + std::to_string(hook.port()) + "/dead-letters";
    const domain::PolicyId policy = f.add_policy(10);
    const std::string key = std::to_string(policy);
    const std::string& topic = f.config.topics.issue;
    const std::map<std::string, std::string> type{{"__TypeId__", "couponIssueRequest"}};
    const auto bad = f.produce_raw(topic, key, "{not json", type);
    const auto good = f.produce_raw(topic, key, messaging::encode_request(make_request(1, policy, "after-poison")), type);
    const auto dead_before = counter_value("coupon_dead_letters_total");
    auto group = f.make_group();
    auto dlt = f.make_dlt_consumer();
    // Two groups join from scratch on the mock: each member has its own handle, and a member that joins a
    // round late waits about session.timeout.ms for the next one (seen once at 23 s on a loaded machine).
    REQUIRE(wait_until([&] { return f.store.snapshot().dead_letters.size() == 1; }, 40s));
    REQUIRE(wait_until([&] { return f.store.snapshot().results.count("after-poison") == 1; }, 10s));
    const auto state = f.store.snapshot();
    const auto& letter = state.dead_letters.at(0);
    CHECK_FALSE(letter.request);
    CHECK(letter.payload == "{not json");
    CHECK(letter.key == key);
    CHECK(letter.topic == f.config.topics.dlt);
    CHECK(letter.original_topic == topic);
    CHECK(letter.original_partition == bad.partition);
    CHECK(letter.original_offset == bad.offset);
    CHECK(letter.error.find("not JSON") != std::string::npos);
    CHECK(state.results.size() == 1);  // a poison record has no request, so no outcome
    CHECK(state.results.at("after-poison").outcome == domain::Outcome::Issued);
    CHECK(counter_value("coupon_dead_letters_total") - dead_before == 1);
    CHECK(wait_until([&] { return f.committed_offset(good.partition) == good.offset + 1; }, 10s));
    CHECK(wait_until(
        [&] { return f.committed_offset(f.config.group_id + "-dlt", f.config.topics.dlt, letter.partition) == letter.offset + 1; },
        10s));
    // The webhook heard about it, as JSON naming the record.
    REQUIRE(wait_until([&] { return !hook.bodies().empty(); }, 10s));
    const std::string body = hook.bodies().at(0);
    CHECK(body.find("\"originalOffset\":" + std::to_string(bad.offset)) != std::string::npos);
    CHECK(body.find("not JSON") != std::string::npos);
    group->stop();
    dlt->stop();
}

TEST_CASE("dead letters: a webhook that is down never holds up the DLT consumer", "[dlt][webhook]") {
    KafkaFixture f(1, 1);
    f.config.dead_letter_webhook = "http://127.0.0.1:9/unreachable";  // discard port: nothing listens
    const auto failures_before = counter_value("coupon_dead_letter_webhook_failures_total");
    for (int i = 0; i < 3; ++i) {
        f.produce_raw(f.config.topics.dlt, "1", "poison-" + std::to_string(i),
                      dlt_headers("couponIssueRequest", f.config.topics.issue, 0, i));
    }
    auto dlt = f.make_dlt_consumer();
    REQUIRE(wait_until([&] { return f.store.snapshot().dead_letters.size() == 3; }, 20s));
    CHECK(wait_until([&] { return counter_value("coupon_dead_letter_webhook_failures_total") - failures_before == 3; }, 10s));
    dlt->stop();
}

TEST_CASE("dead letters: an https webhook speaks TLS: a plain HTTP listener gets no notice", "[dlt][webhook]") {
    KafkaFixture f(1, 1);
    HookServer plain;
    f.config.dead_letter_webhook = "https://127.0.0.1:" + std::to_string(plain.port()) + "/dead-letters";
    const auto failures_before = counter_value("coupon_dead_letter_webhook_failures_total");
    f.produce_raw(f.config.topics.dlt, "1", "poison", dlt_headers("couponIssueRequest", f.config.topics.issue, 0, 0));
    auto dlt = f.make_dlt_consumer();
    REQUIRE(wait_until([&] { return f.store.snapshot().dead_letters.size() == 1; }, 20s));
    // The TLS handshake never completes (the listener answers no ClientHello), so within the webhook's 3 s
    // timeout the notice fails and is counted; no JSON reached the listener in clear text.
    CHECK(wait_until([&] { return counter_value("coupon_dead_letter_webhook_failures_total") - failures_before == 1; }, 10s));
    for (const auto& body : plain.bodies()) CHECK(body.find("poison") == std::string::npos);
    dlt->stop();
}

TEST_CASE("dead letters: stopping with a webhook that hangs takes one webhook timeout, not one per notice",
          "[dlt][webhook]") {
    // Listens but never accepts: each POST connects (the kernel completes the handshake), sends, and waits
    // for an answer that never comes, until the webhook's 3 s timeout.
    std::uint16_t port = 0;
    const int hanging = loopback_listener(port, 64);

    KafkaFixture f(1, 1);
    f.config.dead_letter_webhook = "http://127.0.0.1:" + std::to_string(port) + "/hangs";
    const auto failures_before = counter_value("coupon_dead_letter_webhook_failures_total");
    constexpr int kLetters = 10;  // the old stop sent every queued notice: 10 x 3 s
    for (int i = 0; i < kLetters; ++i) {
        f.produce_raw(f.config.topics.dlt, "1", "poison-" + std::to_string(i),
                      dlt_headers("couponIssueRequest", f.config.topics.issue, 0, i));
    }
    auto dlt = f.make_dlt_consumer();
    REQUIRE(wait_until([&] { return f.store.snapshot().dead_letters.size() == kLetters; }, 20s));
    const auto stop_started = std::chrono::steady_clock::now();
    dlt->stop();
    const auto stop_took = std::chrono::steady_clock::now() - stop_started;
    INFO("stop took " << std::chrono::duration_cast<std::chrono::milliseconds>(stop_took).count() << " ms");
    // The post in flight (<= 3 s), then nothing past the stop's own 3 s budget, plus leaving the group.
    CHECK(stop_took < 12s);
    // Every notice is accounted for: failed (timed out) or dropped at the stop.
    CHECK(counter_value("coupon_dead_letter_webhook_failures_total") - failures_before == kLetters);
    ::close(hanging);
}

TEST_CASE("replay: a dead-lettered request gets a normal outcome, and replaying again issues nothing twice",
          "[dlt][replay]") {
    KafkaFixture f(2);
    const domain::PolicyId policy = f.add_policy(5);
    const std::string key = std::to_string(policy);
    const std::string& issue = f.config.topics.issue;
    PublishedResults published(f.config);
    // Ours, with a request id; and the seed's Spring record: no requestId, the full class name as type.
    f.produce_raw(f.config.topics.dlt, key, messaging::encode_request(make_request(1, policy, "replay-ours")),
                  dlt_headers("couponIssueRequest", issue, 0, 42));
    const std::string spring_value = R"({"userId":2,"couponPolicyId":)" + key + "}";
    f.produce_raw(f.config.topics.dlt, key, spring_value,
                  dlt_headers(std::string(messaging::kRequestClassName), issue, 1, 7));
    // Derived from where it was first read (no original timestamp header: -1) and its key and value.
    const std::string spring_id = messaging::derived_request_id({issue, 1, 7, -1, key}, spring_value);
    auto group = f.make_group();
    auto dlt = f.make_dlt_consumer();
    REQUIRE(published.wait_for(2, 20s));
    CHECK(published.of("replay-ours").at(0).outcome == domain::Outcome::Failed);
    CHECK(published.of(spring_id).at(0).outcome == domain::Outcome::Failed);
    const auto letters = f.store.snapshot().dead_letters;
    REQUIRE(letters.size() == 2);

    messaging::KafkaReplayer replayer(f.config, messaging::start_publisher(f.config));
    replayer.start();
    for (const auto& letter : letters) CHECK(replayer.replay(letter).first == domain::AcceptStatus::Accepted);
    REQUIRE(wait_until([&] { return published.of("replay-ours").size() == 2 && published.of(spring_id).size() == 2; }, 20s));
    const auto first = f.store.snapshot();
    for (const auto& id : {std::string("replay-ours"), spring_id}) {
        INFO(id);
        CHECK(first.results.at(id).outcome == domain::Outcome::Issued);
        CHECK(published.of(id).at(1).outcome == domain::Outcome::Issued);
    }
    CHECK(first.coupons.size() == 2);

    // Again: the same outcomes (same coupons), nothing new issued.
    for (const auto& letter : letters) CHECK(replayer.replay(letter).first == domain::AcceptStatus::Accepted);
    REQUIRE(wait_until([&] { return published.of("replay-ours").size() == 3 && published.of(spring_id).size() == 3; }, 20s));
    const auto second = f.store.snapshot();
    CHECK(second.coupons.size() == 2);
    CHECK(second.policies.at(policy).issued_quantity == 2);
    for (const auto& id : {std::string("replay-ours"), spring_id}) {
        INFO(id);
        CHECK(published.of(id).at(2).outcome == domain::Outcome::Issued);
        CHECK(published.of(id).at(2).coupon_id == first.results.at(id).coupon_id);
    }
    group->stop();
    dlt->stop();
}
