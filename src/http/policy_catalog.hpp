#pragma once
// What the front end knows for sure about policies, so POST /api/coupons can answer an unknown policy or a
// closed window at the edge instead of producing a record the consumer would refuse (docs/edge-answers.md).
// The POST path only reads memory: the database is read by refresh(), on the blocking pool.
//
// A policy never disappears and its window never changes once created (there is no update or delete), so
// a policy seen once (created on this node, or read by a refresh) is remembered as it is. An id is known
// to be absent only when it is at most `trusted_max`: the highest id read by a refresh that ran at least
// kSettle after an earlier one, so that a policy whose insert took its id before and committed after a
// refresh (possible with PostgreSQL's sequences) has been read by then. Anything newer goes to the
// consumer, as before.
#include <chrono>
#include <cstddef>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <unordered_map>

#include "coupon/domain/coupon_queries.hpp"
#include "coupon/domain/types.hpp"

namespace coupon::http {

class PolicyCatalog {
public:
    using SteadyTime = std::chrono::steady_clock::time_point;
    static constexpr std::chrono::milliseconds kSettle{1000};   // also the least time between refreshes
    static constexpr std::size_t kRefreshBatch = 1000;          // policies read by one refresh at most

    // Beyond `capacity` policies nothing more is remembered and no id is called absent.
    explicit PolicyCatalog(std::size_t capacity = 100'000) : capacity_(capacity) {}

    struct Lookup {
        std::optional<domain::CouponPolicy> policy;  // its id and issue window only
        bool absent = false;                         // the database certainly holds no such policy
    };
    Lookup find(domain::PolicyId id) const;
    void remember(const domain::CouponPolicy& policy);

    // True when the caller should run refresh() now (none runs, and the last began kSettle ago or more).
    bool begin_refresh(SteadyTime now);
    // Reads the policies above the trusted id from `queries`; ends the refresh begun by begin_refresh()
    // whatever happens. A StoreError (database down) leaves the catalog as it was and is not rethrown.
    void refresh(domain::CouponQueries& queries, SteadyTime now);
    // Ends a refresh begun by begin_refresh() that will not run.
    void cancel_refresh();

    domain::PolicyId trusted_max() const;
    std::size_t size() const;

private:
    mutable std::shared_mutex mutex_;
    std::unordered_map<domain::PolicyId, domain::CouponPolicy> policies_;
    domain::PolicyId trusted_max_ = 0;   // ids up to here that are not in policies_ do not exist
    domain::PolicyId pending_max_ = 0;   // the highest id the last refresh read: trusted kSettle later
    SteadyTime pending_since_{};         // when that refresh began
    SteadyTime last_refresh_{};
    bool refreshing_ = false;
    bool refreshed_ = false;
    const std::size_t capacity_;
};

}  // namespace coupon::http
