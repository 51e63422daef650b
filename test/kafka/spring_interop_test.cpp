// Interop with the seed's Spring service, checked by an independent client (kafka-python, Debian's
// python3-kafka + python3-snappy) over TCP against the embedded broker: see spring_interop.py.
#include <catch2/catch.hpp>

#include <array>
#include <cstdio>
#include <memory>

#include "coupon/messaging/kafka_request_sink.hpp"
#include "failure_test_support.hpp"

using namespace coupon;
using namespace coupon::test;
using namespace std::chrono_literals;

namespace {

struct Run {
    int status = -1;
    std::string output;
};

// /usr/bin/python3 on purpose: a pyenv python3 first on PATH cannot see Debian's dist-packages.
Run interop(const KafkaFixture& f, const std::string& args) {
    const std::string command = "/usr/bin/python3 " COUPON_INTEROP_SCRIPT " " + f.config.bootstrap_servers + " " +
                                f.config.topics.issue + " " + std::to_string(f.config.topics.partitions) + " " +
                                args + " 2>&1";
    Run run;
    FILE* pipe = ::popen(command.c_str(), "r");
    REQUIRE(pipe != nullptr);
    std::array<char, 512> buffer{};
    while (std::fgets(buffer.data(), buffer.size(), pipe)) run.output += buffer.data();
    const int raw = ::pclose(pipe);
    run.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    return run;
}

}  // namespace

TEST_CASE("interop: a Spring JsonSerializer record is issued, and ours reads like Spring's", "[interop]") {
    KafkaFixture f(10);
    domain::PolicyId policy = 0;
    for (int i = 0; i < 7; ++i) policy = f.add_policy(10);  // policy 7, key "7", as in the seed's example
    REQUIRE(policy == 7);
    auto group = f.make_group();

    // (a) The seed's record: no requestId, full class name as type, String key "7".
    const Run produced = interop(f, "produce 42 7");
    INFO(produced.output);
    REQUIRE(produced.status == 0);
    int partition = -1;
    long long offset = -1;
    REQUIRE(std::sscanf(produced.output.c_str(), "%d %lld", &partition, &offset) == 2);
    // Derived from where it was read, then its timestamp and a hash of key and value.
    const std::string derived_prefix =
        f.config.topics.issue + "-" + std::to_string(partition) + "-" + std::to_string(offset) + "-";
    std::string derived_id;
    REQUIRE(wait_until([&] {
        for (const auto& [id, result] : f.store.snapshot().results) {
            if (id.rfind(derived_prefix, 0) == 0) derived_id = id;
        }
        return !derived_id.empty();
    }, 20s));
    const auto state = f.store.snapshot();
    CHECK(state.results.at(derived_id).outcome == domain::Outcome::Issued);
    CHECK(state.results.at(derived_id).user_id == 42);
    CHECK(state.results.at(derived_id).policy_id == 7);

    // (b) Ours, read by the independent client (snappy-compressed, as our producer writes it).
    messaging::KafkaRequestSink sink(f.config);
    sink.start();
    for (int user : {1, 2, 3}) {
        for (domain::PolicyId p : {domain::PolicyId{1}, domain::PolicyId{5}, domain::PolicyId{7}}) {
            const std::string id = "interop-" + std::to_string(user) + "-" + std::to_string(p);
            REQUIRE(submit_and_wait(sink, make_request(user, p, id)).status == domain::AcceptStatus::Accepted);
        }
    }
    sink.stop();
    for (const char* id : {"interop-1-1", "interop-2-5", "interop-3-7"}) {
        const Run read = interop(f, std::string("read ") + id);
        INFO(id << ": " << read.output);
        CHECK(read.status == 0);
    }
    group->stop();
}
