#include "api_world.hpp"

#include <boost/json.hpp>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>

#include "coupon/base/log.hpp"
#include "coupon/http/api.hpp"
#include "in_memory_dead_letters.hpp"
#include "policy_catalog.hpp"
#include "in_memory_store.hpp"
#include "test_doubles.hpp"

namespace coupon::fuzz {
namespace {

using namespace std::chrono_literals;

// The broker stores a request at once and the consumer decides it at once, so an issue request is answered
// without waiting for http.issue_wait. The user id picks the story, so every answer kind is reachable.
class InstantSink : public domain::RequestSink {
public:
    explicit InstantSink(http::OutcomeBoard& board) : board_(board) {}

    void submit(const domain::IssueRequest& request, Done done) override {
        switch (request.user_id % 4) {
            case 0: return done(domain::AcceptStatus::Overloaded, "fuzz: backlog full", {});
            case 1: return done(domain::AcceptStatus::Unavailable, "fuzz: broker down", {});
            default: break;
        }
        done(domain::AcceptStatus::Accepted, "", {0, static_cast<std::int64_t>(request.user_id)});
        const auto outcome = request.user_id % 4 == 2 ? domain::Outcome::Issued : domain::Outcome::AlreadyIssued;
        board_.publish(http::test::result_for(request, outcome));
    }

private:
    http::OutcomeBoard& board_;
};

http::HttpConfig world_config() {
    http::HttpConfig config = http::test::test_config();
    config.admin_token = kAdminToken;
    config.blocking_threads = 1;
    return config;
}

struct World {
    World() {
        log::set_level(log::Level::Error);
        domain::NewCouponPolicy policy;
        policy.name = "fuzz policy";
        policy.total_quantity = 100;
        queries.create_policy(policy);
        // Dead letters to list and replay (ids 1 and 2): one with its request decoded, one undecodable.
        domain::DeadLetter decoded;
        decoded.topic = "coupon-issue-topic.DLT";
        decoded.original_topic = "coupon-issue-topic";
        decoded.payload = R"({"userId":7,"couponPolicyId":1,"requestId":"r-1"})";
        decoded.error = "fuzz: store error";
        decoded.created_at = clock.now();
        decoded.request = domain::IssueRequest{"r-1", 7, 1, clock.now()};
        dead_letters.record(decoded, clock.now());
        domain::DeadLetter poison = decoded;
        poison.payload = "not json";
        poison.request.reset();
        dead_letters.record(poison, clock.now());
        const http::ApiDeps deps{sink, queries, board, clock,
                                 [] { return http::ReadyReport{true, {{"kafka", "UP"}}}; }, &dead_letters, &replayer};
        router = std::make_unique<http::Router>(http::make_routes(deps, config));
        context = std::make_shared<const http::ApiContext>(http::ApiContext{deps, config, nullptr, nullptr,  // auth.mode=none, no limits
                                                                             std::make_shared<http::PolicyCatalog>()});
    }

    http::HttpConfig config = world_config();
    // Small, so it is full (and allocates no more than it frees) after a few inputs: libFuzzer runs a whole
    // leak scan after every input that allocated more than it freed.
    http::OutcomeBoard board{64};
    http::test::MapQueries queries;
    coupon::test::ManualClock clock;
    InstantSink sink{board};
    coupon::test::InMemoryStore dead_letter_db;
    coupon::test::InMemoryDeadLetters dead_letters{dead_letter_db};
    http::test::FakeReplayer replayer;
    std::unique_ptr<http::Router> router;
    http::Context context;
};

World& world() {
    // Never destroyed: libFuzzer exits from inside a run, while pool threads may still hold routes.
    static World* w = new World();
    return *w;
}

void check_answer(const http::Request& request, const http::Response& response) {
    if (response.status < 100 || response.status > 599) {
        fail("status out of range " + std::to_string(response.status), request.method + " " + request.target);
    }
    if (response.status == 500) fail("a handler threw (500)", request.method + " " + request.target + "\n" + response.body);
    if (response.status < 400) return;
    boost::system::error_code ec;
    const auto body = boost::json::parse(response.body, ec);
    if (ec || !body.is_object()) fail("error body is not a JSON object (" + ec.message() + ")", response.body);
    const auto& o = body.get_object();
    const auto* code = o.if_contains("code");
    const auto* message = o.if_contains("message");
    if (!code || !code->is_string() || !message || !message->is_string()) {
        fail("error body without string code and message", response.body);
    }
}

}  // namespace

http::Context context() { return world().context; }

void forget_created_policies() {
    World& w = world();
    std::lock_guard lock(w.queries.mutex);
    std::erase_if(w.queries.policies, [](const auto& entry) { return entry.first > 1; });
}

http::Response call(const http::Handler& handler, http::Request&& request) {
    const http::Request copy = request;
    std::optional<http::Response> answer;
    http::call_guarded(handler, std::move(request), http::Respond([&answer](http::Response&& r) { answer = std::move(r); }));
    if (!answer) fail("the handler did not answer on its own thread", copy.method + " " + copy.target);
    check_answer(copy, *answer);
    return std::move(*answer);
}

http::Response call(http::Request&& request) {
    World& w = world();
    const http::Request copy = request;  // what the finding names
    struct Answer {
        std::mutex mutex;
        std::condition_variable cv;
        std::optional<http::Response> response;
    };
    auto answer = std::make_shared<Answer>();
    w.router->dispatch(std::move(request), http::Respond([answer](http::Response&& r) {
                           std::lock_guard lock(answer->mutex);
                           answer->response = std::move(r);
                           answer->cv.notify_all();
                       }));
    std::unique_lock lock(answer->mutex);
    if (!answer->cv.wait_for(lock, 10s, [&] { return answer->response.has_value(); })) {
        fail("no answer within 10 s", copy.method + " " + copy.target);
    }
    check_answer(copy, *answer->response);
    forget_created_policies();
    return std::move(*answer->response);
}

}  // namespace coupon::fuzz
