#pragma once
// Test doubles of the domain ports the API uses, and a harness that runs the real API on port 0.
#include <boost/json.hpp>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "coupon/domain/clock.hpp"
#include "coupon/domain/coupon_queries.hpp"
#include "coupon/domain/dead_letters.hpp"
#include "coupon/domain/request_sink.hpp"
#include "coupon/http/api.hpp"
#include "coupon/http/http_server.hpp"
#include "in_memory_dead_letters.hpp"
#include "in_memory_store.hpp"
#include "manual_clock.hpp"
#include "test_client.hpp"

namespace coupon::http::test {

// Runs tasks on one thread after a delay, like a broker's callback thread. Pending tasks are dropped
// at destruction.
class DelayedRunner {
public:
    DelayedRunner();
    ~DelayedRunner();
    void after(std::chrono::milliseconds delay, std::function<void()> task);

private:
    std::mutex mutex_;
    std::condition_variable wake_;
    std::multimap<std::chrono::steady_clock::time_point, std::function<void()>> tasks_;
    bool stopping_ = false;
    std::thread thread_;
};

// Records submissions and answers like a producer would; can also play the consumer and publish an
// outcome to the board.
class FakeSink : public domain::RequestSink {
public:
    explicit FakeSink(OutcomeBoard& board) : board_(board) {}

    void submit(const domain::IssueRequest& request, Done done) override;
    std::vector<domain::IssueRequest> submitted() const;

    // What the broker says, and when.
    domain::AcceptStatus answer = domain::AcceptStatus::Accepted;
    std::chrono::milliseconds ack_delay{0};
    domain::RecordLocation accepted_at{3, 41};  // where an accepted request is "stored"
    // The consumer's decision (nullopt: none arrives) and when it is published, counted from submit().
    std::function<std::optional<domain::IssueResult>(const domain::IssueRequest&)> decide;
    std::chrono::milliseconds outcome_delay{0};

private:
    OutcomeBoard& board_;
    mutable std::mutex mutex_;
    std::vector<domain::IssueRequest> submitted_;
    DelayedRunner runner_;  // last: its thread stops before the rest is destroyed
};

// CouponQueries over maps; `failing` makes every call throw StoreError.
class MapQueries : public domain::CouponQueries {
public:
    domain::CouponPolicy create_policy(const domain::NewCouponPolicy& policy) override;
    std::optional<domain::CouponPolicy> find_policy(domain::PolicyId id) override;
    std::vector<domain::CouponPolicy> policies_after(domain::PolicyId after, std::size_t limit) override;
    std::optional<domain::IssueResult> find_result(const std::string& request_id) override;
    std::vector<domain::Coupon> coupons_of(domain::UserId user) override;
    std::vector<domain::PolicyId> sold_out_policies() override;
    bool ping() override {
        check_hold();
        return !failing;
    }

    // A database that does not answer: while held, every call (ping included) waits until release().
    void hold();
    void release();
    int held_calls() const;  // calls waiting in hold() now

    std::atomic<bool> failing{false};
    std::atomic<int> policy_reads{0};  // policies_after() calls (the catalog's refreshes)
    std::mutex mutex;
    std::map<domain::PolicyId, domain::CouponPolicy> policies;
    std::map<std::string, domain::IssueResult> results;
    std::vector<domain::Coupon> coupons;
    std::vector<domain::PolicyId> sold_out;

private:
    void check() const;
    void check_hold() const;

    mutable std::mutex hold_mutex_;
    mutable std::condition_variable hold_cv_;
    bool holding_ = false;
    mutable int held_calls_ = 0;
    domain::PolicyId last_created_id_ = 0;
};

// Records every replay and answers with `answer`; `delay` makes it as slow as a broker acknowledgement.
class FakeReplayer : public domain::RequestReplayer {
public:
    std::pair<domain::AcceptStatus, std::string> replay(const domain::DeadLetter& letter) override;
    std::vector<std::int64_t> replayed_ids() const;

    std::atomic<domain::AcceptStatus> answer{domain::AcceptStatus::Accepted};
    std::atomic<std::int64_t> unavailable_from_id{0};  // > 0: ids from this one on answer Unavailable
    std::atomic<std::chrono::milliseconds> delay{std::chrono::milliseconds(0)};
    std::atomic<int> started{0};  // replay() calls entered

private:
    mutable std::mutex mutex_;
    std::vector<std::int64_t> replayed_;
};

// The issue topic as a set of (request id, place); `broker_down` answers CannotTell.
class FakeStoredRequests : public domain::StoredRequests {
public:
    Answer holds(const std::string& request_id, domain::RecordLocation where) override;
    std::optional<domain::QueuePlace> place_in_queue(domain::RecordLocation where) override;
    // place_in_queue()'s answer while `recent` is set (as if a status read had just sampled the offsets).
    std::optional<domain::QueuePlace> recent_place(domain::RecordLocation where) override;
    void store(const std::string& request_id, domain::RecordLocation where);
    int lookups() const { return lookups_.load(); }

    std::atomic<bool> broker_down{false};
    // Every partition has decided up to `decided_up_to`, at `decided_per_second` (0: no estimate).
    std::atomic<std::int64_t> decided_up_to{0};
    std::atomic<std::int64_t> decided_per_second{0};
    std::atomic<bool> recent{false};

private:
    mutable std::mutex mutex_;
    std::map<std::pair<std::int32_t, std::int64_t>, std::string> records_;
    std::atomic<int> lookups_{0};
};

// Loopback defaults for tests: short enough waits to keep the suite fast.
HttpConfig test_config();

// The real API (make_routes + HttpServer) over the doubles. Members are declared so that the server
// stops first and the board is destroyed last.
struct ApiHarness {
    explicit ApiHarness(HttpConfig config = test_config());
    ~ApiHarness();

    Reply get(const std::string& target, const HeaderMap& headers = {}) const;
    Reply post(const std::string& target, const std::string& body, const HeaderMap& headers = {}) const;

    HttpConfig config;
    OutcomeBoard board{100'000, config.known_holders};
    MapQueries queries;
    coupon::test::ManualClock clock;
    FakeSink sink{board};
    ReadyReport ready_report{true, {{"kafka", "UP"}, {"database", "UP"}}};
    coupon::test::InMemoryStore dead_letter_db;
    coupon::test::InMemoryDeadLetters dead_letters{dead_letter_db};
    FakeReplayer replayer;
    FakeStoredRequests stored_requests;
    std::unique_ptr<HttpServer> server;
    std::uint16_t port = 0;
};

boost::json::object json_of(const Reply& reply);
std::string str(const boost::json::object& object, const char* key);

// An IssueResult as the consumer would publish it.
domain::IssueResult result_for(const domain::IssueRequest& request, domain::Outcome outcome);

// Polls `condition` every 5 ms until true or the timeout: for effects that happen on other threads
// (test/support/eventually.hpp with this tier's defaults).
bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 2s);

}  // namespace coupon::http::test
