#include "invariants.hpp"

#include "eventually.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <thread>
#include <unordered_map>
#include <unordered_set>

namespace coupon::test {
namespace {

const std::set<std::string> kFinal{"ISSUED", "ALREADY_ISSUED", "SOLD_OUT", "NOT_FOUND", "NOT_OPEN", "FAILED"};

boost::json::object json_of(const std::string& body) {
    boost::system::error_code ec;
    auto value = boost::json::parse(body, ec);
    if (ec || !value.is_object()) return {};
    return value.as_object();
}

std::string str(const boost::json::object& o, const char* key) {
    auto it = o.find(key);
    return it != o.end() && it->value().is_string() ? std::string(it->value().as_string()) : std::string{};
}

std::int64_t num(const boost::json::object& o, const char* key) {
    auto it = o.find(key);
    return it != o.end() && it->value().is_int64() ? it->value().as_int64() : -1;
}

// The final outcome a POST reply announced: "" for 202 (pending), nullopt for a reply that is not valid.
std::optional<std::string> reply_outcome(const HttpReply& reply, const boost::json::object& body) {
    const std::string code = str(body, "code");
    switch (reply.status) {
        case 200: return str(body, "status") == "ISSUED" && num(body, "couponId") > 0 ? std::optional<std::string>("ISSUED") : std::nullopt;
        case 202: return str(body, "status") == "PENDING" ? std::optional<std::string>("") : std::nullopt;
        case 404: return code == "COUPON_POLICY_NOT_FOUND" ? std::optional<std::string>("NOT_FOUND") : std::nullopt;
        case 500: return code == "COUPON_ISSUE_FAILED" ? std::optional<std::string>("FAILED") : std::nullopt;
        case 409:
            if (code == "COUPON_ALREADY_ISSUED") return "ALREADY_ISSUED";
            if (code == "COUPON_SOLD_OUT") return "SOLD_OUT";
            if (code == "COUPON_ISSUE_NOT_OPEN") return "NOT_OPEN";
            return std::nullopt;
        default: return std::nullopt;
    }
}

struct AcceptedRequest {
    std::string id;
    std::int64_t user = 0, policy = 0;
    int node = 0;
    std::string announced;  // outcome in the POST reply, "" when 202
};

struct DbRequest {
    std::int64_t user = 0, policy = 0;
    std::string outcome;
    std::int64_t coupon_id = 0;  // 0: none
};

struct DbCoupon {
    std::int64_t id = 0, user = 0, policy = 0;
    std::string request_id;
};

class Audit {
public:
    Audit(Cluster& cluster, const std::vector<PolicySpec>& policies, const std::vector<Sent>& sent, const VerifyOptions& options)
        : cluster_(cluster), policies_(policies), sent_(sent), options_(options) {
        for (const auto& p : policies_) spec_[p.id] = p;
    }

    Report run() {
        report_.requests = sent_.size();
        classify_replies();
        drain();
        read_topics();
        wait_for_database();
        read_database();
        check_topic_against_database();
        check_outcomes();
        check_policies();
        check_order();
        check_nodes_agree();
        return std::move(report_);
    }

private:
    void fail(std::string what) {
        if (report_.failures.size() < 200) report_.failures.push_back(std::move(what));
    }

    // 1. What the flood was told.
    void classify_replies() {
        std::unordered_set<std::string> ids;
        for (const auto& s : sent_) {
            const auto& r = s.reply;
            if (r.status == 0) {
                ++report_.unanswered;
                if (options_.crashed_nodes.contains(s.plan.node)) {
                    maybe_stored_[{s.plan.user, s.plan.policy}]++;
                } else {
                    fail(fmt::format("no answer from node {} (never killed) for user {} policy {}", s.plan.node, s.plan.user, s.plan.policy));
                }
                continue;
            }
            const auto body = json_of(r.body);
            const std::string id = str(body, "requestId");
            if (id.empty()) {
                const std::string code = str(body, "code");
                if (r.status == 409 && code == "COUPON_SOLD_OUT") {
                    ++report_.sold_out_short_circuits;
                    short_circuited_.insert(s.plan.policy);
                } else if ((r.status == 409 && (code == "COUPON_ISSUE_NOT_OPEN" || code == "COUPON_ALREADY_ISSUED")) ||
                           (r.status == 404 && code == "COUPON_POLICY_NOT_FOUND")) {
                    // Answered at the edge (docs/edge-answers.md): checked against the database in check_outcomes.
                    ++report_.edge_answers;
                    ++report_.edge_codes[code];
                    edge_answered_.push_back({s.plan.user, s.plan.policy, code});
                } else if (r.status == 503) {
                    ++report_.refused;
                } else {
                    fail(fmt::format("node {}: unexpected reply without requestId: {} {}", s.plan.node, r.status, r.body));
                }
                continue;
            }
            if (r.status == 202 && str(body, "status") == "UNCONFIRMED") {
                // Not an acceptance: like an unanswered request to a killed node, it may or may not be stored.
                ++report_.unconfirmed;
                maybe_stored_[{s.plan.user, s.plan.policy}]++;
                continue;
            }
            const auto announced = reply_outcome(r, body);
            if (!announced) {
                fail(fmt::format("node {}: reply {} {} is not a valid issue answer", s.plan.node, r.status, r.body));
                continue;
            }
            if (!ids.insert(id).second) {
                fail("request id " + id + " was given to two requests");
                continue;
            }
            accepted_.push_back({id, s.plan.user, s.plan.policy, s.plan.node, *announced});
        }
        report_.accepted = accepted_.size();
    }

    // 2. Every accepted request reaches a final outcome, asked of a node that did not accept it.
    void drain() {
        const auto start = Clock::now();
        const auto deadline = start + options_.drain_timeout;
        std::vector<std::size_t> pending(accepted_.size());
        for (std::size_t i = 0; i < pending.size(); ++i) pending[i] = i;
        for (int round = 0; !pending.empty() && Clock::now() < deadline; ++round) {
            const auto live = cluster_.live_nodes();
            if (live.empty()) {
                fail("no live node to ask");
                return;
            }
            std::map<int, std::vector<std::size_t>> by_node;
            for (std::size_t i : pending) {
                std::vector<int> others;
                for (int n : live) {
                    if (n != accepted_[i].node) others.push_back(n);
                }
                if (others.empty()) others = live;
                by_node[others[(i + static_cast<std::size_t>(round)) % others.size()]].push_back(i);
            }
            std::vector<std::size_t> still;
            for (const auto& [node, indexes] : by_node) {
                for (std::size_t from = 0; from < indexes.size(); from += 200) {
                    const std::size_t to = std::min(indexes.size(), from + 200);
                    std::vector<HttpCall> calls;
                    for (std::size_t k = from; k < to; ++k) calls.push_back({"GET", "/api/coupon-requests/" + accepted_[indexes[k]].id, "", {}});
                    const auto replies = http_all_at_once(cluster_.port(node), calls, 15000);
                    for (std::size_t k = from; k < to; ++k) {
                        const std::size_t i = indexes[k];
                        const auto& reply = replies[k - from];
                        const auto body = json_of(reply.body);
                        const std::string status = str(body, "status");
                        if (reply.status == 200 && kFinal.contains(status)) {
                            final_[accepted_[i].id] = status;
                        } else if (reply.status == 0 || reply.status == 404 || reply.status == 503 ||
                                   (reply.status == 200 && status == "PENDING")) {
                            still.push_back(i);  // not decided yet, or the node/database is busy
                        } else {
                            fail(fmt::format("GET request {} on node {}: {} {}", accepted_[i].id, node, reply.status, reply.body));
                        }
                    }
                }
            }
            pending = std::move(still);
            if (!pending.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(250));
        }
        report_.drain_seconds = seconds_since(start);
        if (!pending.empty()) {
            std::vector<std::string> some;
            for (std::size_t k = 0; k < std::min<std::size_t>(pending.size(), 5); ++k) {
                some.push_back(fmt::format("{} (user {} policy {} via node {})", accepted_[pending[k]].id, accepted_[pending[k]].user,
                                           accepted_[pending[k]].policy, accepted_[pending[k]].node));
            }
            fail(fmt::format("{} accepted request(s) have no final outcome after {:.1f}s, e.g. {}", pending.size(),
                             report_.drain_seconds, fmt::join(some, ", ")));
        }
    }

    // 3. The issue topic (first occurrence of each request id) and the ids that went through retries.
    void read_topics() {
        const auto records = read_topic(cluster_.bootstrap(), cluster_.issue_topic());
        report_.topic_records = records.size();
        std::map<std::int64_t, std::set<int>> partitions_of;
        for (const auto& r : records) {
            if (r.request_id.empty()) {
                fail(fmt::format("topic record {}@{} has no requestId", r.partition, r.offset));
                continue;
            }
            if (r.key != std::to_string(r.policy)) fail(fmt::format("record {}@{}: key '{}' is not its policy {}", r.partition, r.offset, r.key, r.policy));
            auto [it, first] = first_.emplace(r.request_id, r);
            if (!first) {
                ++report_.topic_duplicates;  // a retried produce stored twice: harmless if it is the same request
                if (it->second.user != r.user || it->second.policy != r.policy) fail("request id " + r.request_id + " names two requests in the topic");
                continue;
            }
            partitions_of[r.policy].insert(r.partition);
            by_policy_[r.policy].push_back(r);
        }
        for (const auto& [policy, parts] : partitions_of) {
            if (parts.size() != 1) fail(fmt::format("policy {} is on {} partitions: {}", policy, parts.size(), fmt::join(parts, ",")));
        }
        for (auto& [policy, list] : by_policy_) {
            std::sort(list.begin(), list.end(), [](const TopicRecord& a, const TopicRecord& b) { return a.offset < b.offset; });
        }
        for (const auto& topic : cluster_.retry_and_dlt_topics()) {
            for (const auto& r : read_topic(cluster_.bootstrap(), topic)) {
                if (!r.request_id.empty()) retried_.insert(r.request_id);
            }
        }
        report_.retried = retried_.size();
        if (!options_.retries_expected && !retried_.empty()) {
            fail(fmt::format("{} request(s) went through the retry topics or the DLT, with no database outage", retried_.size()));
        }
    }

    // Requests stored but unanswered (killed node) have no waiter: wait until the database has every one.
    void wait_for_database() {
        std::size_t missing = 0;
        (void)eventually(
            [&] {
                std::unordered_set<std::string> decided;
                for (const auto& row : query("SELECT request_id FROM coupon_issue_request WHERE outcome <> 'PENDING'")) decided.insert(row[0]);
                missing = 0;
                for (const auto& [id, record] : first_) missing += decided.contains(id) ? 0 : 1;
                return missing == 0;
            },
            std::chrono::seconds(60), std::chrono::milliseconds(500));
        if (missing > 0) fail(fmt::format("{} request(s) of the topic have no final outcome in the database after 60 s", missing));
    }

    Rows query(const std::string& sql) {
        // The database may just have restarted: a few attempts.
        for (int attempt = 0;; ++attempt) {
            try {
                return cluster_.pg().query(sql);
            } catch (const std::exception& e) {
                if (attempt >= 20) throw;
                std::this_thread::sleep_for(std::chrono::milliseconds(500));
            }
        }
    }

    void read_database() {
        for (const auto& row : query("SELECT request_id, user_id, coupon_policy_id, outcome, COALESCE(coupon_id, 0) FROM coupon_issue_request")) {
            db_requests_[row[0]] = {std::stoll(row[1]), std::stoll(row[2]), row[3], std::stoll(row[4])};
        }
        for (const auto& row : query("SELECT id, user_id, coupon_policy_id, request_id FROM coupon")) {
            DbCoupon c{std::stoll(row[0]), std::stoll(row[1]), std::stoll(row[2]), row[3]};
            coupon_by_request_[c.request_id] = c;
            holders_[c.policy].insert(c.user);
            coupons_.push_back(c);
        }
        for (const auto& row : query("SELECT id, total_quantity, issued_quantity FROM coupon_policy")) {
            db_policies_[std::stoll(row[0])] = {std::stoll(row[1]), std::stoll(row[2])};
        }
        for (const auto& row : query("SELECT user_id, coupon_policy_id, COUNT(*) FROM coupon GROUP BY 1, 2 HAVING COUNT(*) > 1")) {
            fail(fmt::format("user {} holds {} coupons of policy {}", row[0], row[2], row[1]));
        }
        for (const auto& [id, r] : db_requests_) report_.outcomes[r.outcome]++;
        for (const auto& [id, p] : db_policies_) report_.issued[id] = p.second;
    }

    // 4. The topic and the outcome table hold the same requests; the accepted ones are among them; any
    //    other stored request was in flight to a node that was killed.
    void check_topic_against_database() {
        for (const auto& a : accepted_) {
            if (!first_.contains(a.id)) fail("accepted request " + a.id + " is not in the issue topic (answered before the broker stored it?)");
        }
        for (const auto& [id, record] : first_) {
            auto it = db_requests_.find(id);
            if (it == db_requests_.end()) {
                fail("request " + id + " of the topic has no row in coupon_issue_request");
            } else if (it->second.user != record.user || it->second.policy != record.policy) {
                fail(fmt::format("request {}: topic says user {} policy {}, database user {} policy {}", id, record.user,
                                 record.policy, it->second.user, it->second.policy));
            }
        }
        for (const auto& [id, row] : db_requests_) {
            if (!first_.contains(id)) fail("outcome row " + id + " (" + row.outcome + ") names no request of the topic");
        }
        std::unordered_set<std::string> accepted_ids;
        for (const auto& a : accepted_) accepted_ids.insert(a.id);
        auto maybe = maybe_stored_;
        for (const auto& [id, record] : first_) {
            if (accepted_ids.contains(id)) continue;
            auto it = maybe.find({record.user, record.policy});
            if (it == maybe.end() || it->second == 0) {
                fail(fmt::format("request {} (user {} policy {}) was stored but no client was answered, and it was not in flight to a killed node",
                                 id, record.user, record.policy));
            } else {
                --it->second;
                ++report_.stored_unanswered;
            }
        }
        if (db_requests_.size() != accepted_.size() + report_.stored_unanswered) {
            fail(fmt::format("{} outcome rows for {} accepted + {} stored-unanswered requests", db_requests_.size(),
                             accepted_.size(), report_.stored_unanswered));
        }
    }

    // 5. One final outcome per request, the same everywhere, consistent with the coupons.
    void check_outcomes() {
        for (const auto& a : accepted_) {
            auto row = db_requests_.find(a.id);
            if (row == db_requests_.end()) continue;  // reported above
            const std::string& outcome = row->second.outcome;
            if (!a.announced.empty() && a.announced != outcome) {
                fail(fmt::format("request {}: POST answered {}, the database says {}", a.id, a.announced, outcome));
            }
            if (auto f = final_.find(a.id); f != final_.end() && f->second != outcome) {
                fail(fmt::format("request {}: GET answered {}, the database says {}", a.id, f->second, outcome));
            }
            if (row->second.user != a.user || row->second.policy != a.policy) {
                fail(fmt::format("request {}: sent for user {} policy {}, recorded for user {} policy {}", a.id, a.user,
                                 a.policy, row->second.user, row->second.policy));
            }
        }
        for (const auto& [id, r] : db_requests_) {
            const auto coupon = coupon_by_request_.find(id);
            const auto policy = db_policies_.find(r.policy);
            if (!kFinal.contains(r.outcome)) fail("request " + id + " has no final outcome: " + r.outcome);
            if (r.outcome == "ISSUED") {
                if (coupon == coupon_by_request_.end()) {
                    fail("request " + id + " is ISSUED without a coupon");
                } else if (coupon->second.id != r.coupon_id || coupon->second.user != r.user || coupon->second.policy != r.policy) {
                    fail(fmt::format("request {}: ISSUED coupon {} does not match coupon row {} (user {} policy {})", id,
                                     r.coupon_id, coupon->second.id, coupon->second.user, coupon->second.policy));
                }
            } else if (coupon != coupon_by_request_.end()) {
                fail("request " + id + " is " + r.outcome + " but coupon " + std::to_string(coupon->second.id) + " names it");
            }
            if (r.outcome == "ALREADY_ISSUED" && !holders_[r.policy].contains(r.user)) {
                fail(fmt::format("request {} is ALREADY_ISSUED but user {} holds no coupon of policy {}", id, r.user, r.policy));
            }
            if (r.outcome == "SOLD_OUT" && (policy == db_policies_.end() || policy->second.second < policy->second.first)) {
                fail(fmt::format("request {} is SOLD_OUT but policy {} is not sold out", id, r.policy));
            }
            auto spec = spec_.find(r.policy);
            if (spec == spec_.end()) {
                fail(fmt::format("request {} names policy {}, which the test never used", id, r.policy));
            } else if (r.outcome != "FAILED") {
                const auto kind = spec->second.kind;
                if ((kind == PolicySpec::Kind::Unknown) != (r.outcome == "NOT_FOUND")) fail("request " + id + " of policy " + std::to_string(r.policy) + " is " + r.outcome);
                if ((kind == PolicySpec::Kind::NotOpen) != (r.outcome == "NOT_OPEN")) fail("request " + id + " of policy " + std::to_string(r.policy) + " is " + r.outcome);
            }
        }
        for (const auto& c : coupons_) {
            auto r = db_requests_.find(c.request_id);
            if (r == db_requests_.end() || r->second.outcome != "ISSUED") fail(fmt::format("coupon {} has no ISSUED request {}", c.id, c.request_id));
        }
        // An edge answer must be what the consumer would have said: the user holds the coupon, the policy is
        // outside its window, or it does not exist.
        for (const auto& e : edge_answered_) {
            const auto spec = spec_.find(e.policy);
            const auto kind = spec == spec_.end() ? PolicySpec::Kind::Unknown : spec->second.kind;
            const bool right = e.code == "COUPON_ALREADY_ISSUED"   ? holders_[e.policy].contains(e.user)
                               : e.code == "COUPON_ISSUE_NOT_OPEN" ? kind == PolicySpec::Kind::NotOpen
                                                                   : kind == PolicySpec::Kind::Unknown;
            if (!right) fail(fmt::format("a node answered {} at the edge for user {} policy {}, which is wrong", e.code, e.user, e.policy));
        }
        for (std::int64_t policy : short_circuited_) {
            auto p = db_policies_.find(policy);
            if (p == db_policies_.end() || p->second.second < p->second.first) {
                fail(fmt::format("a node answered COUPON_SOLD_OUT without Kafka for policy {}, which is not sold out", policy));
            }
        }
    }

    // 6. issued == COUNT(coupon) == min(stock, distinct users with a decided (non-FAILED) request).
    void check_policies() {
        for (const auto& spec : policies_) {
            const auto p = db_policies_.find(spec.id);
            std::int64_t coupons = 0;
            for (const auto& c : coupons_) coupons += c.policy == spec.id ? 1 : 0;
            if (spec.kind == PolicySpec::Kind::Unknown) {
                if (p != db_policies_.end()) fail(fmt::format("policy {} should not exist", spec.id));
                if (coupons != 0) fail(fmt::format("{} coupons of the unknown policy {}", coupons, spec.id));
                continue;
            }
            if (p == db_policies_.end()) {
                fail(fmt::format("policy {} is missing", spec.id));
                continue;
            }
            std::set<std::int64_t> users;
            for (const auto& [id, r] : db_requests_) {
                if (r.policy == spec.id && r.outcome != "FAILED") users.insert(r.user);
            }
            const std::int64_t expected = spec.kind == PolicySpec::Kind::NotOpen
                                              ? 0
                                              : std::min<std::int64_t>(spec.stock, static_cast<std::int64_t>(users.size()));
            if (p->second.first != spec.stock) fail(fmt::format("policy {}: total {} != {}", spec.id, p->second.first, spec.stock));
            if (p->second.second != expected || coupons != expected) {
                fail(fmt::format("policy {} (stock {}, {} distinct eligible users): issued_quantity {}, {} coupon rows, expected {}",
                                 spec.id, spec.stock, users.size(), p->second.second, coupons, expected));
            }
        }
    }

    // 7. Winners are the first eligible users in partition order (replay of the topic).
    void check_order() {
        for (const auto& spec : policies_) {
            const auto list = by_policy_.find(spec.id);
            if (list == by_policy_.end()) continue;
            bool retried = false;
            for (const auto& r : list->second) retried = retried || retried_.contains(r.request_id);
            if (!retried) {
                replay(spec, list->second);
            } else {
                monotone(spec, list->second);
            }
        }
    }

    std::string db_outcome(const std::string& id) const {
        auto it = db_requests_.find(id);
        return it == db_requests_.end() ? std::string("(none)") : it->second.outcome;
    }

    void replay(const PolicySpec& spec, const std::vector<TopicRecord>& records) {
        std::set<std::int64_t> winners;
        int mismatches = 0;
        for (const auto& r : records) {
            std::string expected;
            if (spec.kind == PolicySpec::Kind::Unknown) {
                expected = "NOT_FOUND";
            } else if (spec.kind == PolicySpec::Kind::NotOpen) {
                expected = "NOT_OPEN";
            } else if (winners.contains(r.user)) {
                expected = "ALREADY_ISSUED";
            } else if (static_cast<std::int64_t>(winners.size()) >= spec.stock) {
                expected = "SOLD_OUT";
            } else {
                expected = "ISSUED";
                winners.insert(r.user);
            }
            const std::string actual = db_outcome(r.request_id);
            if (actual != expected && ++mismatches <= 5) {
                fail(fmt::format("policy {}: record {}@{} (user {}, request {}) should be {} in partition order, is {}", spec.id,
                                 r.partition, r.offset, r.user, r.request_id, expected, actual));
            }
        }
        if (mismatches > 5) fail(fmt::format("policy {}: {} records in all differ from the partition-order replay", spec.id, mismatches));
        const auto& holders = holders_[spec.id];
        if (winners != std::set<std::int64_t>(holders.begin(), holders.end())) {
            std::vector<std::int64_t> only_replay, only_db;
            std::set_difference(winners.begin(), winners.end(), holders.begin(), holders.end(), std::back_inserter(only_replay));
            std::set_difference(holders.begin(), holders.end(), winners.begin(), winners.end(), std::back_inserter(only_db));
            fail(fmt::format("policy {}: winners by partition order {} != coupon holders; only in the replay: {}; only in the database: {}",
                             spec.id, winners.size(), fmt::join(only_replay, ","), fmt::join(only_db, ",")));
        }
    }

    // With retries: among records never retried, none is ISSUED after one found the policy sold out.
    void monotone(const PolicySpec& spec, const std::vector<TopicRecord>& records) {
        const TopicRecord* sold_out = nullptr;
        for (const auto& r : records) {
            if (retried_.contains(r.request_id)) continue;
            const std::string outcome = db_outcome(r.request_id);
            if (outcome == "SOLD_OUT" && sold_out == nullptr) sold_out = &r;
            if (outcome == "ISSUED" && sold_out != nullptr) {
                fail(fmt::format("policy {}: record {}@{} was ISSUED after record {}@{} found the policy sold out", spec.id,
                                 r.partition, r.offset, sold_out->partition, sold_out->offset));
                return;
            }
        }
    }

    // 8. Every node answers every read endpoint the same way, whichever node processed the request.
    void check_nodes_agree() {
        const auto live = cluster_.live_nodes();
        // A sample of request ids (every accepted one up to 400, then evenly spaced).
        std::vector<std::string> ids;
        const std::size_t step = std::max<std::size_t>(1, accepted_.size() / 400);
        for (std::size_t i = 0; i < accepted_.size(); i += step) ids.push_back(accepted_[i].id);
        std::set<std::int64_t> users;
        for (const auto& [id, r] : db_requests_) {
            if (users.size() >= 150) break;
            users.insert(r.user);
        }
        for (const auto& c : coupons_) {
            if (users.size() >= 300) break;
            users.insert(c.user);
        }
        for (int node : live) {
            std::vector<HttpCall> calls;
            for (const auto& id : ids) calls.push_back({"GET", "/api/coupon-requests/" + id, "", {}});
            auto replies = http_all_at_once(cluster_.port(node), calls, 15000);
            for (std::size_t i = 0; i < ids.size(); ++i) {
                const auto body = json_of(replies[i].body);
                const auto& row = db_requests_[ids[i]];
                const std::int64_t coupon = num(body, "couponId");
                if (replies[i].status != 200 || str(body, "status") != row.outcome || (row.coupon_id > 0 && coupon != row.coupon_id)) {
                    fail(fmt::format("node {}: GET request {} answered {} {}, the database says {} coupon {}", node, ids[i],
                                     replies[i].status, replies[i].body, row.outcome, row.coupon_id));
                }
            }
            for (const auto& spec : policies_) {
                const auto reply = cluster_.get(node, "/api/coupon-policies/" + std::to_string(spec.id));
                if (spec.kind == PolicySpec::Kind::Unknown) {
                    if (reply.status != 404) fail(fmt::format("node {}: unknown policy {} answered {}", node, spec.id, reply.status));
                    continue;
                }
                const auto body = json_of(reply.body);
                const auto& p = db_policies_[spec.id];
                if (reply.status != 200 || num(body, "issuedQuantity") != p.second || num(body, "remainingQuantity") != p.first - p.second) {
                    fail(fmt::format("node {}: policy {} answered {} {}, the database says issued {} of {}", node, spec.id,
                                     reply.status, reply.body, p.second, p.first));
                }
            }
            std::vector<HttpCall> user_calls;
            std::vector<std::int64_t> user_list(users.begin(), users.end());
            for (auto u : user_list) user_calls.push_back({"GET", "/api/users/" + std::to_string(u) + "/coupons", "", {}});
            auto user_replies = http_all_at_once(cluster_.port(node), user_calls, 15000);
            for (std::size_t i = 0; i < user_list.size(); ++i) {
                std::set<std::pair<std::int64_t, std::int64_t>> api, db;
                const auto body = json_of(user_replies[i].body);
                if (auto it = body.find("coupons"); it != body.end() && it->value().is_array()) {
                    for (const auto& c : it->value().as_array()) {
                        if (c.is_object()) api.insert({num(c.as_object(), "couponId"), num(c.as_object(), "couponPolicyId")});
                    }
                }
                for (const auto& c : coupons_) {
                    if (c.user == user_list[i]) db.insert({c.id, c.policy});
                }
                if (user_replies[i].status != 200 || api != db) {
                    fail(fmt::format("node {}: coupons of user {} answered {} {}, the database has {} coupon(s)", node,
                                     user_list[i], user_replies[i].status, user_replies[i].body, db.size()));
                }
            }
        }
    }

    Cluster& cluster_;
    const std::vector<PolicySpec>& policies_;
    const std::vector<Sent>& sent_;
    const VerifyOptions& options_;
    Report report_;
    std::map<std::int64_t, PolicySpec> spec_;
    std::vector<AcceptedRequest> accepted_;
    std::map<std::pair<std::int64_t, std::int64_t>, int> maybe_stored_;
    std::set<std::int64_t> short_circuited_;
    struct EdgeAnswer {
        std::int64_t user = 0, policy = 0;
        std::string code;
    };
    std::vector<EdgeAnswer> edge_answered_;
    std::unordered_map<std::string, std::string> final_;
    std::unordered_map<std::string, TopicRecord> first_;
    std::map<std::int64_t, std::vector<TopicRecord>> by_policy_;
    std::unordered_set<std::string> retried_;
    std::unordered_map<std::string, DbRequest> db_requests_;
    std::unordered_map<std::string, DbCoupon> coupon_by_request_;
    std::map<std::int64_t, std::set<std::int64_t>> holders_;
    std::vector<DbCoupon> coupons_;
    std::map<std::int64_t, std::pair<std::int64_t, std::int64_t>> db_policies_;  // id -> (total, issued)
};

}  // namespace

std::vector<TopicRecord> read_topic(const std::string& bootstrap, const std::string& topic) {
    int status = 0;
    const std::string out = run_command(fmt::format("timeout 60 kcat -b '{}' -C -t '{}' -o beginning -e -q -f '%p %o %k %s\\n' 2>/dev/null",
                                                    bootstrap, topic),
                                        &status);
    if (status != 0) throw std::runtime_error(fmt::format("kcat on {} exited with {}", topic, status));
    std::vector<TopicRecord> records;
    std::size_t pos = 0;
    while (pos < out.size()) {
        const std::size_t end = std::min(out.find('\n', pos), out.size());
        const std::string line = out.substr(pos, end - pos);
        pos = end + 1;
        if (line.empty()) continue;
        const auto a = line.find(' '), b = line.find(' ', a + 1), c = line.find(' ', b + 1);
        if (a == std::string::npos || b == std::string::npos || c == std::string::npos) throw std::runtime_error("kcat line: " + line);
        TopicRecord r;
        r.partition = std::stoi(line.substr(0, a));
        r.offset = std::stoll(line.substr(a + 1, b - a - 1));
        r.key = line.substr(b + 1, c - b - 1);
        const auto value = json_of(line.substr(c + 1));
        r.request_id = str(value, "requestId");
        r.user = num(value, "userId");
        r.policy = num(value, "couponPolicyId");
        records.push_back(std::move(r));
    }
    return records;
}

std::string Report::summary() const {
    std::string out = fmt::format(
        "requests {}, accepted {}, unanswered {}, unconfirmed(202) {}, refused(503) {}, sold-out short-circuits {}, "
        "other edge answers {}, topic records {} (duplicates {}), stored but unanswered {}, through retry topics {}, "
        "drain {:.1f}s\noutcomes:",
        requests, accepted, unanswered, unconfirmed, refused, sold_out_short_circuits, edge_answers, topic_records, topic_duplicates,
        stored_unanswered, retried, drain_seconds);
    for (const auto& [o, n] : outcomes) out += fmt::format(" {}={}", o, n);
    out += "\nissued per policy:";
    for (const auto& [p, n] : issued) out += fmt::format(" {}={}", p, n);
    if (!failures.empty()) out += fmt::format("\n{} FAILURE(S):\n  {}", failures.size(), fmt::join(failures, "\n  "));
    return out;
}

Report verify(Cluster& cluster, const std::vector<PolicySpec>& policies, const std::vector<Sent>& sent, const VerifyOptions& options) {
    return Audit(cluster, policies, sent, options).run();
}

}  // namespace coupon::test
