#pragma once
// How many coupon policies get Prometheus series of their own (coupon_issue_outcomes_total{policy},
// coupon_policy_remaining_stock{policy}); later ones count under policy="other" (metrics.policy_series).
// Each policy costs 7 series, so the bound keeps a long-lived node's scrape from growing with every sale.
#include <cstddef>

namespace coupon::messaging {

inline constexpr std::size_t kDefaultPolicySeries = 100;

// Set once at start, before the consumers count; policies that already have series keep them.
void set_policy_series_bound(std::size_t policies);

}  // namespace coupon::messaging
