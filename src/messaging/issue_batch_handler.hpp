#pragma once
// Issue records on the main topic and on the retry topics: decode, apply the batch in one database
// transaction, publish one result per request. A record that cannot be decoded goes to the DLT at once
// (retrying cannot help). A system error (StoreError) sends every request of the batch, as its original
// record, to the stage's next topic (next retry topic, or the DLT after the last attempt) with Spring's
// retry headers, and the batch counts as dealt with once those records are acknowledged.
//
// Ordering: once a record moves to a retry topic, later records of the same policy may be decided before it.
// That is Spring's non-blocking retry semantics, accepted by DESIGN.md section 3: the database outage that
// caused it delays everyone equally, and the first-come order still holds among records that succeed at the
// same stage. Business outcomes (sold out, already issued, ...) are results, not errors: never retried.
#include <functional>
#include <memory>

#include "batch_handler.hpp"
#include "coupon/domain/clock.hpp"
#include "coupon/domain/issue_store.hpp"
#include "coupon/base/metrics.hpp"
#include "coupon/messaging/kafka_config.hpp"
#include "policy_metrics.hpp"
#include "retry_stages.hpp"

namespace coupon::messaging {

class IssueHandler final : public BatchHandler {
public:
    // after_db_commit: test hook run between the database commit and the results (main topic only); if it
    // throws, the batch ends as Crashed.
    // Forwards wait for room in the next topic in the worker's publish pipeline (publish_pipeline.hpp).
    IssueHandler(const KafkaConfig& config, ConsumeStage stage, std::unique_ptr<domain::IssueStore> store,
                 const domain::Clock& clock, std::function<void()> after_db_commit);

    BatchWork process(const Batch& batch, const GiveUp& give_up) override;

private:
    struct Decided;
    // Applies `requests` in offset order. When the database refuses the batch but answers a probe, the
    // batch is split in halves (depth first, so the order of the rest is kept) until the records it refuses
    // alone are found: one bad record does not fail its batch-mates. Those, or the whole batch during an
    // outage, are returned as failed.
    Decided decide(const std::vector<domain::IssueRequest>& requests);
    void isolate(const std::vector<domain::IssueRequest>& requests, std::size_t from, std::size_t to, Decided& out,
                 int& budget);
    bool try_apply(const std::vector<domain::IssueRequest>& requests, std::size_t from, std::size_t to, Decided& out);
    // Observes accept -> outcome for requests [from, to), just decided.
    void observe_decided(const std::vector<domain::IssueRequest>& requests, std::size_t from, std::size_t to);
    bool database_answers(const std::vector<domain::IssueRequest>& requests);
    // Failed requests as forwards to the stage's next topic (next retry topic, or the DLT).
    void forward(const Batch& batch, const std::vector<std::size_t>& request_index,
                 const std::vector<domain::IssueRequest>& requests, const Decided& decided, BatchWork& work);

    const KafkaConfig& config_;
    ConsumeStage stage_;
    std::unique_ptr<domain::IssueStore> store_;
    const domain::Clock& clock_;
    std::function<void()> after_db_commit_;
    base::Histogram& transaction_seconds_;
    base::Histogram& accept_to_outcome_;
    PolicyMetrics::View policy_metrics_;
};

}  // namespace coupon::messaging
