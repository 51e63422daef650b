#pragma once
// What GET /api/coupon-requests/{id} and its /events share: who asks, which request, and what is known of it
// (docs/request-states.md). Blocks (a database read, at most a broker lookup): call it on the blocking pool.
#include <optional>
#include <string>

#include "authenticator.hpp"
#include "coupon/domain/types.hpp"
#include "coupon/http/message.hpp"
#include "coupon/http/outcome_board.hpp"
#include "handlers.hpp"

namespace coupon::http {

struct RequestLookup {
    std::optional<Response> answer;             // refused or unknown (400, 401, 404, 503): answer it as it is
    std::optional<domain::IssueResult> result;  // decided, and the caller may see it
    // Otherwise known and not decided:
    std::string id;
    OutcomeBoard::State state = OutcomeBoard::State::Pending;
    std::optional<domain::RecordLocation> where;  // the ?at= the client gave
    domain::PolicyId policy = 0;                  // 0: not known here
    bool local = false;                           // taken by this node (its board follows it)
    std::optional<Identity> caller;               // with auth.mode jwt|header
};

RequestLookup look_up_request(const ApiContext& context, const Request& request);

// With auth.mode jwt or header only the request's own user (or an admin) sees its outcome.
bool may_see(const std::optional<Identity>& caller, const domain::IssueResult& result);
Response request_not_found(const std::string& id);

// The policy's remaining stock for likelySoldOut: what the board learned from results, else the database's
// count (then taught to the board). nullopt when neither says (or policy is 0). May read the database.
std::optional<std::int64_t> remaining_stock(const ApiContext& context, domain::PolicyId policy);

}  // namespace coupon::http
