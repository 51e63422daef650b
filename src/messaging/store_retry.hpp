#pragma once
// What a worker does when the database fails a batch (StoreError): for now, retry the same batch in place
// with exponential backoff (100 ms doubling to 5 s) until it succeeds or the worker must give up (stopping,
// or a partition of the batch was revoked). A later task replaces this with Spring-style retry topics;
// the worker only knows this one class.
#include <chrono>
#include <functional>
#include <optional>
#include <vector>

#include "coupon/domain/types.hpp"

namespace coupon::messaging {

class StoreRetry {
public:
    using Attempt = std::function<std::vector<domain::IssueResult>()>;
    using GiveUp = std::function<bool()>;

    explicit StoreRetry(std::chrono::milliseconds first = std::chrono::milliseconds(100),
                        std::chrono::milliseconds max = std::chrono::seconds(5));
    // nullopt when it gave up: nothing was committed for this batch.
    std::optional<std::vector<domain::IssueResult>> run(const Attempt& attempt, const GiveUp& give_up) const;

private:
    std::chrono::milliseconds first_;
    std::chrono::milliseconds max_;
};

// Sleeps up to `delay`, waking early when give_up() turns true. Returns give_up().
bool wait_or_give_up(std::chrono::milliseconds delay, const std::function<bool()>& give_up);

}  // namespace coupon::messaging
