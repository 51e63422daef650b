#include "result_publisher.hpp"

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "coupon/messaging/message_codec.hpp"

namespace coupon::messaging {
namespace {

// Shared with the delivery callbacks, which may outlive a publish() that timed out.
struct PendingBatch {
    std::mutex mutex;
    std::condition_variable done;
    std::size_t remaining = 0;
    std::string first_error;
};

}  // namespace

ResultPublisher::ResultPublisher(const KafkaConfig& config)
    // A worker waits for these deliveries before it commits: lingering would only add latency, and a
    // batch's results already go out together.
    : config_(config), producer_(config, "results", {{"linger.ms", "1"}}) {}

void ResultPublisher::start() { producer_.start(); }
void ResultPublisher::stop() { producer_.stop(std::chrono::seconds(10)); }

OutRecord ResultPublisher::result_record(const domain::IssueResult& result) const {
    OutRecord r;
    r.topic = config_.topics.results;
    r.key = result.request_id;
    r.value = encode_result(result);
    return r;
}

std::string ResultPublisher::publish(const std::vector<OutRecord>& records, std::chrono::milliseconds timeout,
                                     BacklogGuard* guard) {
    if (records.empty()) return {};
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    auto pending = std::make_shared<PendingBatch>();
    pending->remaining = records.size();
    auto fail = [&](std::size_t first_not_sent, std::string why) {
        if (guard) {
            for (std::size_t k = first_not_sent; k < records.size(); ++k) {
                guard->on_delivery(records[k].topic, records[k].partition, false, -1);
            }
        }
        std::lock_guard lock(pending->mutex);
        pending->remaining -= records.size() - first_not_sent;
        if (pending->first_error.empty()) pending->first_error = std::move(why);
    };
    for (std::size_t i = 0; i < records.size(); ++i) {
        for (;;) {
            const rd_kafka_resp_err_t err = producer_.produce(
                records[i], [pending, guard, topic = records[i].topic, partition = records[i].partition](
                                rd_kafka_resp_err_t e, const std::string& reason, std::int64_t offset) {
                    if (guard) guard->on_delivery(topic, partition, e == RD_KAFKA_RESP_ERR_NO_ERROR, offset);
                    std::lock_guard lock(pending->mutex);
                    if (e != RD_KAFKA_RESP_ERR_NO_ERROR && pending->first_error.empty()) {
                        pending->first_error = std::string(rd_kafka_err2name(e)) + ": " + reason;
                    }
                    if (--pending->remaining == 0) pending->done.notify_all();
                });
            if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
            // A full local queue drains by itself; anything else will not get better by waiting here.
            if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL || std::chrono::steady_clock::now() >= deadline) {
                fail(i, std::string("produce: ") + rd_kafka_err2str(err));
                i = records.size();
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    }
    std::unique_lock lock(pending->mutex);
    if (!pending->done.wait_until(lock, deadline, [&] { return pending->remaining == 0; })) {
        return pending->first_error.empty() ? "timed out waiting for delivery" : pending->first_error;
    }
    return pending->first_error;
}

}  // namespace coupon::messaging
