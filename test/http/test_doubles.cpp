#include "test_doubles.hpp"

#include "coupon/domain/issue_store.hpp"
#include "eventually.hpp"

namespace coupon::http::test {

DelayedRunner::DelayedRunner()
    : thread_([this] {
          std::unique_lock lock(mutex_);
          while (!stopping_) {
              if (tasks_.empty()) {
                  wake_.wait(lock);
                  continue;
              }
              auto first = tasks_.begin();
              if (std::chrono::steady_clock::now() < first->first) {
                  wake_.wait_until(lock, first->first);
                  continue;
              }
              auto task = std::move(first->second);
              tasks_.erase(first);
              lock.unlock();
              task();
              lock.lock();
          }
      }) {}

DelayedRunner::~DelayedRunner() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

void DelayedRunner::after(std::chrono::milliseconds delay, std::function<void()> task) {
    {
        std::lock_guard lock(mutex_);
        tasks_.emplace(std::chrono::steady_clock::now() + delay, std::move(task));
    }
    wake_.notify_all();
}

void FakeSink::submit(const domain::IssueRequest& request, Done done) {
    {
        std::lock_guard lock(mutex_);
        submitted_.push_back(request);
    }
    const auto status = answer;
    runner_.after(ack_delay, [status, done, where = accepted_at] { done(status, "fake sink", where); });
    if (status == domain::AcceptStatus::Accepted && decide) {
        if (auto result = decide(request)) {
            runner_.after(outcome_delay, [this, result = *result] { board_.publish(result); });
        }
    }
}

std::vector<domain::IssueRequest> FakeSink::submitted() const {
    std::lock_guard lock(mutex_);
    return submitted_;
}

void MapQueries::check() const {
    check_hold();
    if (failing) throw domain::StoreError("database is down (test)");
}

void MapQueries::check_hold() const {
    std::unique_lock lock(hold_mutex_);
    ++held_calls_;
    hold_cv_.wait(lock, [this] { return !holding_; });
    --held_calls_;
}

void MapQueries::hold() {
    std::lock_guard lock(hold_mutex_);
    holding_ = true;
}

void MapQueries::release() {
    {
        std::lock_guard lock(hold_mutex_);
        holding_ = false;
    }
    hold_cv_.notify_all();
}

int MapQueries::held_calls() const {
    std::lock_guard lock(hold_mutex_);
    return held_calls_;
}

domain::CouponPolicy MapQueries::create_policy(const domain::NewCouponPolicy& policy) {
    check();
    std::lock_guard lock(mutex);
    domain::CouponPolicy created;
    // Ids are never reused, as with the real sequences (the edge's policy catalog relies on it).
    const domain::PolicyId highest = policies.empty() ? 0 : policies.rbegin()->first;
    created.id = last_created_id_ = std::max(last_created_id_, highest) + 1;
    created.name = policy.name;
    created.discount_type = policy.discount_type;
    created.discount_value = policy.discount_value;
    created.total_quantity = policy.total_quantity;
    created.issue_start_at = policy.issue_start_at;
    created.issue_end_at = policy.issue_end_at;
    created.created_at = domain::TimePoint(std::chrono::milliseconds(1'795'000'000'000));
    policies[created.id] = created;
    return created;
}

std::vector<domain::CouponPolicy> MapQueries::policies_after(domain::PolicyId after, std::size_t limit) {
    check();
    std::lock_guard lock(mutex);
    std::vector<domain::CouponPolicy> out;
    for (auto it = policies.upper_bound(after); it != policies.end() && out.size() < limit; ++it) {
        out.push_back(it->second);
    }
    policy_reads.fetch_add(1);
    return out;
}

std::optional<domain::CouponPolicy> MapQueries::find_policy(domain::PolicyId id) {
    check();
    std::lock_guard lock(mutex);
    auto it = policies.find(id);
    return it == policies.end() ? std::nullopt : std::optional(it->second);
}

std::optional<domain::IssueResult> MapQueries::find_result(const std::string& request_id) {
    check();
    std::lock_guard lock(mutex);
    auto it = results.find(request_id);
    return it == results.end() ? std::nullopt : std::optional(it->second);
}

std::vector<domain::Coupon> MapQueries::coupons_of(domain::UserId user) {
    check();
    std::lock_guard lock(mutex);
    std::vector<domain::Coupon> found;
    for (const auto& coupon : coupons) {
        if (coupon.user_id == user) found.push_back(coupon);
    }
    return found;
}

std::vector<domain::PolicyId> MapQueries::sold_out_policies() {
    check();
    std::lock_guard lock(mutex);
    return sold_out;
}

std::pair<domain::AcceptStatus, std::string> FakeReplayer::replay(const domain::DeadLetter& letter) {
    ++started;
    if (const auto wait = delay.load(); wait.count() > 0) std::this_thread::sleep_for(wait);
    std::lock_guard lock(mutex_);
    replayed_.push_back(letter.id);
    const auto from = unavailable_from_id.load();
    if (from > 0 && letter.id >= from) return {domain::AcceptStatus::Unavailable, "broker down"};
    const auto status = answer.load();
    return {status, status == domain::AcceptStatus::Accepted ? "" : "refused"};
}

std::vector<std::int64_t> FakeReplayer::replayed_ids() const {
    std::lock_guard lock(mutex_);
    return replayed_;
}

HttpConfig test_config() {
    HttpConfig config;
    config.address = "127.0.0.1";
    config.port = 0;
    config.threads = 2;
    config.issue_wait = 1s;
    config.read_timeout = 2s;
    config.idle_timeout = 5s;
    config.drain_timeout = 2s;
    config.retry_after_seconds = 1;
    config.admin_token = "secret-token-0123";
    // FakeSink's consumer issues every claim, a user's second one too, which the real rule never does; with
    // the holder memory on, those repeats would be answered at the edge. edge_answers_api_test turns it on.
    config.known_holders = 0;
    return config;
}

domain::StoredRequests::Answer FakeStoredRequests::holds(const std::string& request_id,
                                                        domain::RecordLocation where) {
    ++lookups_;
    if (broker_down.load()) return Answer::CannotTell;
    std::lock_guard lock(mutex_);
    const auto it = records_.find({where.partition, where.offset});
    return it != records_.end() && it->second == request_id ? Answer::Holds : Answer::DoesNotHold;
}

std::optional<domain::QueuePlace> FakeStoredRequests::place_in_queue(domain::RecordLocation where) {
    if (broker_down.load()) return std::nullopt;
    domain::QueuePlace place{std::max<std::int64_t>(0, where.offset - decided_up_to.load()), std::nullopt};
    if (decided_per_second.load() > 0) place.estimated_wait_ms = place.ahead * 1000 / decided_per_second.load();
    return place;
}

std::optional<domain::QueuePlace> FakeStoredRequests::recent_place(domain::RecordLocation where) {
    if (!recent.load()) return std::nullopt;
    return place_in_queue(where);
}

void FakeStoredRequests::store(const std::string& request_id, domain::RecordLocation where) {
    std::lock_guard lock(mutex_);
    records_[{where.partition, where.offset}] = request_id;
}

ApiHarness::ApiHarness(HttpConfig c) : config(std::move(c)) {
    server = std::make_unique<HttpServer>(
        config, make_routes(ApiDeps{sink, queries, board, clock, [this] { return ready_report; }, &dead_letters, &replayer,
                                    &stored_requests},
                            config));
    server->start();
    port = server->port();
}

ApiHarness::~ApiHarness() { server->stop(); }

Reply ApiHarness::get(const std::string& target, const HeaderMap& headers) const {
    return call(port, "GET", target, {}, headers);
}

Reply ApiHarness::post(const std::string& target, const std::string& body, const HeaderMap& headers) const {
    return call(port, "POST", target, body, headers);
}

boost::json::object json_of(const Reply& reply) {
    boost::system::error_code ec;
    auto value = boost::json::parse(reply.body, ec);
    if (ec || !value.is_object()) return {};
    return value.as_object();
}

std::string str(const boost::json::object& object, const char* key) {
    auto it = object.find(key);
    return it != object.end() && it->value().is_string() ? std::string(it->value().as_string()) : std::string{};
}

domain::IssueResult result_for(const domain::IssueRequest& request, domain::Outcome outcome) {
    domain::IssueResult result;
    result.request_id = request.request_id;
    result.user_id = request.user_id;
    result.policy_id = request.policy_id;
    result.outcome = outcome;
    result.decided_at = request.requested_at;
    if (outcome == domain::Outcome::Issued) {
        result.coupon_id = 123;
        result.issued_at = request.requested_at;
        result.remaining = 5;
    }
    return result;
}

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
    return coupon::test::eventually(condition, timeout, 5ms);
}

}  // namespace coupon::http::test
