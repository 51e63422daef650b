#include "failed_outcome.hpp"

#include <soci/soci.h>

#include "sql_text.hpp"

namespace coupon::store {

bool write_failed_outcome(soci::session& sql, const domain::IssueRequest& request, const std::string& error,
                          domain::TimePoint decided) {
    using soci::use;
    const long long user = request.user_id, policy = request.policy_id, offset = request.offset;
    const int partition = request.partition;
    const std::string requested = db_time(request.requested_at), decided_text = db_time(decided);
    // A business outcome already recorded wins: the request was decided before the failure.
    soci::statement st = (sql.prepare << "INSERT INTO coupon_issue_request(request_id, user_id, coupon_policy_id, "
                                         "outcome, kafka_partition, kafka_offset, requested_at, decided_at, error) "
                                         "VALUES(:r, :u, :p, 'FAILED', :part, :off, :req, :dec, :err) "
                                         "ON CONFLICT(request_id) DO UPDATE SET outcome = 'FAILED', "
                                         "decided_at = excluded.decided_at, error = excluded.error "
                                         "WHERE coupon_issue_request.outcome IN ('PENDING', 'FAILED')",
                          use(request.request_id), use(user), use(policy), use(partition), use(offset),
                          use(requested), use(decided_text), use(error));
    st.execute(true);
    return st.get_affected_rows() == 1;
}

}  // namespace coupon::store
