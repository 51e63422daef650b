#pragma once
// An operator's changes to a policy after its creation (docs/policy-lifecycle.md): pause and resume issuing,
// close early, change the window or the stock before the window opens. The rules are pure (apply_change);
// the store applies a change under the lock the issuing transaction takes, so it commits strictly before
// or after each consumer batch, and records it in the policy's audit trail in the same transaction.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "coupon/domain/types.hpp"

namespace coupon::domain {

enum class PolicyAction { Pause, Resume, Close, Edit };
std::string_view to_string(PolicyAction action);  // "PAUSE", "RESUME", "CLOSE", "EDIT"
std::optional<PolicyAction> parse_policy_action(std::string_view text);

// The fields of an Edit; a field not set keeps its value. An end set to nullopt removes the end.
struct PolicyEdit {
    std::optional<std::int64_t> total_quantity;
    std::optional<TimePoint> issue_start_at;  // an edited window always has a start (see kScheduleLead)
    bool set_end = false;
    std::optional<TimePoint> issue_end_at;
};

struct PolicyChange {
    PolicyAction action = PolicyAction::Pause;
    PolicyEdit edit;  // for Edit
};

// The window and the stock may change only while the opening is at least this far away, and an edited
// window must open at least this far from now. Every node's policy catalog re-reads a policy that has not
// opened at least every PolicyCatalog::kFreshFor (less than this) before it answers NOT_OPEN at the edge
// from it, so no node can refuse a claim under a window that no longer holds (docs/policy-lifecycle.md).
inline constexpr std::chrono::seconds kScheduleLead{10};

enum class ChangeRefusal {
    Closed,       // the policy is closed: nothing changes any more
    NotActive,    // pause: the policy is not active (already paused)
    NotPaused,    // resume: the policy is not paused
    AlreadyOpen,  // window or stock: the window has opened, or opens within kScheduleLead
    TooSoon,      // the edited window would open within kScheduleLead
    BadWindow,    // the edited window would end before it starts
    BelowIssued,  // the stock would be below what is issued already
};
std::string_view error_code(ChangeRefusal refusal);  // "POLICY_CLOSED", ...
std::string_view describe(ChangeRefusal refusal);

// The part of a policy a change can touch, before and after it.
struct PolicyState {
    PolicyStatus status = PolicyStatus::Active;
    std::int64_t total_quantity = 0;
    std::optional<TimePoint> issue_start_at;
    std::optional<TimePoint> issue_end_at;
};
PolicyState state_of(const CouponPolicy& policy);

// Applies `change` to `policy` (revision + 1) at `now`, or says why it may not.
std::optional<ChangeRefusal> apply_change(CouponPolicy& policy, const PolicyChange& change, TimePoint now);

// Who asked: what admin authentication knows (the token, or a JWT's subject) and where the request came from.
struct Actor {
    std::string principal;
    std::string remote_address;
};

// One row of a policy's audit trail.
struct PolicyChangeRecord {
    std::int64_t id = 0;
    PolicyId policy_id = 0;
    std::int64_t revision = 0;  // the policy's revision after the change
    PolicyAction action = PolicyAction::Pause;
    Actor actor;
    TimePoint changed_at{};
    PolicyState before;
    PolicyState after;
};

struct ChangeResult {
    enum class Status { Applied, Refused, NotFound };
    Status status = Status::NotFound;
    CouponPolicy policy;                  // after the change (Applied) or as it is (Refused)
    std::optional<ChangeRefusal> refusal;  // Refused
};

// Implemented by the store; thread-safe. Throws StoreError when the database fails (nothing changed).
class PolicyLifecycle {
public:
    virtual ~PolicyLifecycle() = default;
    // In one transaction that holds the policy's issuing lock: reads the policy, apply_change(), writes it
    // and its audit row.
    virtual ChangeResult change(PolicyId id, const PolicyChange& change, const Actor& actor, TimePoint now) = 0;
    // The audit rows of a policy with an id above `after`, oldest first, at most `limit`.
    virtual std::vector<PolicyChangeRecord> changes_of(PolicyId id, std::int64_t after, std::size_t limit) = 0;
};

}  // namespace coupon::domain
