#pragma once
// Replays a dead letter (POST /api/admin/dead-letters/{id}/replay): re-publishes it to the main issue topic
// with its original key. When the letter carries a decoded request, the value is that request re-encoded WITH
// its request id (so a Spring record without requestId keeps the id derived at its first delivery, and a
// replay can never become a second, different request); otherwise the raw payload goes back as it was.
// Header: __TypeId__ (the letter's own, else couponIssueRequest). Replaying twice issues nothing twice: the
// domain keeps the first final outcome per request id, and FAILED is the one outcome a replay may replace.
// The caller marks the letter replayed (DeadLetterStore::mark_replayed) once this returned Accepted.
#include <chrono>
#include <memory>
#include <string>
#include <utility>

#include "coupon/domain/dead_letters.hpp"
#include "coupon/messaging/kafka_config.hpp"
#include "coupon/messaging/publisher.hpp"

namespace coupon::messaging {

class BacklogGuard;

class KafkaReplayer final : public domain::RequestReplayer {
public:
    // guard: the embedded broker's (else null): a replay into a full issue partition is refused (Overloaded).
    // `publisher` sends the replayed records (start_publisher).
    KafkaReplayer(KafkaConfig config, std::shared_ptr<ResultPublisher> publisher,
                  std::chrono::milliseconds timeout = std::chrono::seconds(10), BacklogGuard* guard = nullptr);
    ~KafkaReplayer() override;  // the shared publisher flushes the replays it sent once its last owner lets go
    KafkaReplayer(const KafkaReplayer&) = delete;
    KafkaReplayer& operator=(const KafkaReplayer&) = delete;

    void start();  // learns the issue topic's partition count (with a guard)
    // Thread-safe; blocks until the broker acknowledged (Accepted) or refused / timed out (Unavailable), or the
    // local queue is full (Overloaded).
    std::pair<domain::AcceptStatus, std::string> replay(const domain::DeadLetter& letter) override;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace coupon::messaging
