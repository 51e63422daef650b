#pragma once
// The end-of-test audit of a cluster run, from three independent sources: the HTTP replies the flood got,
// the issue topic read with kcat (an independent Kafka client), and PostgreSQL read with libpq.
//
//  - every accepted request (a reply carrying a requestId) reaches a final outcome, read over HTTP from a
//    node other than the one that accepted it, and that outcome is the one in the database and the one the
//    POST answered (when it answered one);
//  - the issue topic and the coupon_issue_request table hold exactly the same request ids: no accepted
//    request missing, no outcome without a stored request; stored requests nobody was told about may only
//    come from requests in flight to a node that was killed (matched by user and policy);
//  - per policy: issued_quantity == COUNT(coupon) == min(stock, distinct users with a non-FAILED request),
//    no (user, policy) twice, outcomes consistent with coupons (ISSUED has its coupon, FAILED has none...);
//  - the winners are the first eligible users in partition order: the topic is replayed with the issuing
//    rules and every request's outcome and every policy's winner set must match. Records that went through
//    the retry topics (database outage) may legitimately be decided later (Spring's non-blocking retries);
//    for a policy with such records the check is that no record of the main topic was issued after one
//    that found the policy sold out;
//  - every node answers every read endpoint the same way (request status, policy, user coupons).
#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "cluster_fixture.hpp"
#include "flood.hpp"

namespace coupon::test {

struct PolicySpec {
    enum class Kind { Open, NotOpen, Unknown };
    std::int64_t id = 0;
    std::int64_t stock = 0;
    Kind kind = Kind::Open;
};

struct VerifyOptions {
    std::set<int> crashed_nodes;        // unanswered requests to these nodes may or may not have been stored
    bool retries_expected = false;      // a database outage may have sent records through the retry topics
    std::chrono::seconds drain_timeout{90};
};

struct TopicRecord {
    int partition = -1;
    std::int64_t offset = -1;
    std::string key, request_id;
    std::int64_t user = 0, policy = 0;
};

// Every record of `topic` from the beginning, read with kcat (bounded by a timeout).
std::vector<TopicRecord> read_topic(const std::string& bootstrap, const std::string& topic);

struct Report {
    std::vector<std::string> failures;
    std::size_t requests = 0, accepted = 0, unanswered = 0, refused = 0, sold_out_short_circuits = 0;
    std::size_t edge_answers = 0;  // NOT_OPEN, ALREADY_ISSUED, NOT_FOUND answered without producing
    std::map<std::string, std::size_t> edge_codes;  // those answers by error code
    std::size_t unconfirmed = 0;  // 202 UNCONFIRMED: the broker had not acknowledged them by the node's deadline
    std::size_t topic_records = 0, topic_duplicates = 0, stored_unanswered = 0, retried = 0;
    std::map<std::string, std::size_t> outcomes;
    std::map<std::int64_t, std::int64_t> issued;  // policy -> issued_quantity
    double drain_seconds = 0;
    bool ok() const { return failures.empty(); }
    std::string summary() const;
};

Report verify(Cluster& cluster, const std::vector<PolicySpec>& policies, const std::vector<Sent>& sent,
              const VerifyOptions& options);

}  // namespace coupon::test
