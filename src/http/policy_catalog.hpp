#pragma once
// What the front end knows for sure about policies, so POST /api/coupons can answer an unknown policy, a
// closed window or a closed policy at the edge instead of producing a record the consumer would refuse
// (docs/edge-answers.md). The POST path only reads memory: the database is read by refresh(), on the
// blocking pool.
//
// Policies are never deleted, so an id seen once exists for good. An id is known to be absent only when it
// is at most `trusted_max`: the highest id read by a refresh that ran at least kSettle after an earlier one,
// so that a policy whose insert took its id before and committed after a refresh (possible with
// PostgreSQL's sequences) has been read by then. Anything newer goes to the consumer, as before.
//
// An operator may change a policy (docs/policy-lifecycle.md): pause, resume and close at any time, the
// window and the stock only until domain::kScheduleLead before the opening, and only to a window that opens
// at least kScheduleLead from then. So an entry read once the window had opened (or a closed one) is
// *settled*: what the edge answers from it (its window, CLOSED) can no longer turn wrong. Any other entry is
// answered from only while it was read less than kFreshFor ago; refresh() re-reads such entries, so a node
// that keeps getting claims keeps them fresh, and a stale one goes to the consumer until re-read.
#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <unordered_map>

#include "coupon/domain/coupon_queries.hpp"
#include "coupon/domain/types.hpp"

namespace coupon::http {

class PolicyCatalog {
public:
    using SteadyTime = std::chrono::steady_clock::time_point;
    static constexpr std::chrono::milliseconds kSettle{1000};   // also the least time between refreshes
    static constexpr std::size_t kRefreshBatch = 1000;          // new policies read by one refresh at most
    // How long an unsettled entry is answered from after it was read: well under domain::kScheduleLead, which
    // leaves that much margin for a slow refresh and for clocks that differ between nodes.
    static constexpr std::chrono::milliseconds kFreshFor{5000};
    static constexpr std::size_t kRereadBatch = 64;             // unsettled entries re-read by one refresh

    // Beyond `capacity` policies nothing more is remembered and no id is called absent.
    explicit PolicyCatalog(std::size_t capacity = 100'000) : capacity_(capacity) {}

    struct Lookup {
        std::optional<domain::CouponPolicy> policy;  // its id, window and status, when they may be answered from
        bool absent = false;                         // the database certainly holds no such policy
        bool reread = false;                         // known but not settled, read kSettle ago or more: refresh
    };
    Lookup find(domain::PolicyId id, SteadyTime now) const;
    // `read_at` / `wall_read_at`: when the read that returned `policy` began (steady and wall clock). A copy
    // older than the one held (a lower revision) is ignored.
    void remember(const domain::CouponPolicy& policy, SteadyTime read_at, domain::TimePoint wall_read_at);

    // True when the caller should run refresh() now (none runs, and the last began kSettle ago or more).
    bool begin_refresh(SteadyTime now);
    // Reads the policies above the trusted id and re-reads up to kRereadBatch unsettled entries from
    // `queries`; ends the refresh begun by begin_refresh() whatever happens. A StoreError (database down)
    // leaves the catalog as it was and is not rethrown. `wall_now`: the wall clock at `now`.
    void refresh(domain::CouponQueries& queries, SteadyTime now, domain::TimePoint wall_now);
    // Ends a refresh begun by begin_refresh() that will not run.
    void cancel_refresh();

    domain::PolicyId trusted_max() const;
    std::size_t size() const;

private:
    struct Entry {
        domain::CouponPolicy policy;  // id, window, status, revision only
        SteadyTime read_at{};
        bool settled = false;
    };
    void reread_unsettled(domain::CouponQueries& queries, SteadyTime now, domain::TimePoint wall_now);

    mutable std::shared_mutex mutex_;
    std::unordered_map<domain::PolicyId, Entry> policies_;
    std::set<domain::PolicyId> unsettled_;
    domain::PolicyId reread_cursor_ = 0;  // where the next re-read of unsettled entries starts
    domain::PolicyId trusted_max_ = 0;   // ids up to here that are not in policies_ do not exist
    domain::PolicyId pending_max_ = 0;   // the highest id the last refresh read: trusted kSettle later
    SteadyTime pending_since_{};         // when that refresh began
    SteadyTime last_refresh_{};
    bool refreshing_ = false;
    bool refreshed_ = false;
    const std::size_t capacity_;
};

}  // namespace coupon::http
