#include "topic_consumer.hpp"

#include <algorithm>

#include "coupon/base/log.hpp"
#include "coupon/base/thread_name.hpp"

namespace coupon::messaging {

TopicConsumer::TopicConsumer(const KafkaConfig& config, Options options, const domain::Clock& clock,
                             ResultPublisher& publisher, BacklogGuard* guard)
    : config_(config), options_(std::move(options)), clock_(clock), publisher_(publisher), guard_(guard) {
    options_.workers = std::max(1, options_.workers);
}

namespace {

// Decided batches of at least this many records (results and forwards) are encoded and produced on the
// member's sender thread (publish_pipeline.hpp); smaller ones on the member's thread, where the hand-off's
// wake-up would be a larger part of an answer's time than the work it moves. Measured with scripts/bench
// (2026-12-01, eleven alternating pairs of 4-drain-sqlite: mean 134k -> 151k issues a second, faster in
// seven and level in one; scenario 1 at 1,000 and 64 connections inside the spread; docs/benchmark.md).
constexpr std::size_t kSendApartFrom = 128;

// A short name for the stage a topic feeds, for thread names: "issue", "retry-1000", "dlt".
std::string stage_name(const std::string& topic) {
    if (topic.ends_with("-dlt")) return "dlt";
    if (const auto at = topic.rfind("-retry-"); at != std::string::npos) return topic.substr(at + 1);
    return "issue";
}

}  // namespace

TopicConsumer::~TopicConsumer() { stop(); }

std::string TopicConsumer::thread_name(int worker) const {
    return stage_name(options_.topic) + "-" + std::to_string(worker);
}

void TopicConsumer::start(const HandlerFactory& make_handler) {
    if (started_) return;
    for (int i = 0; i < options_.workers; ++i) {
        WorkerSettings settings;
        settings.topic = options_.topic;
        settings.group_id = options_.group_id;
        settings.index = i;
        settings.delayed = options_.delayed;
        settings.min_fetch_wait = options_.min_fetch_wait;
        settings.max_batch = std::max(1, config_.max_poll_records);
        settings.drain_timeout = config_.shutdown_drain;
        settings.sender = {.thread = thread_name(i) + "-send", .min_records = kSendApartFrom};
        workers_.push_back(
            std::make_unique<ConsumerWorker>(config_, settings, clock_, publisher_, guard_, make_handler(i)));
    }
    for (auto& w : workers_) w->start();
    started_ = true;
    for (std::size_t i = 0; i < workers_.size(); ++i) {
        threads_.emplace_back([worker = workers_[i].get(), name = thread_name(static_cast<int>(i))] {
            base::name_this_thread(name);
            worker->run();
        });
    }
    log::info("consumer", "group {} subscribed to {} with {} member(s)", options_.group_id, options_.topic,
              options_.workers);
}

void TopicConsumer::stop() {
    if (!started_) return;
    started_ = false;
    for (auto& w : workers_) w->request_stop();
    for (auto& t : threads_) t.join();
    threads_.clear();
    workers_.clear();
    log::info("consumer", "group {} stopped", options_.group_id);
}

bool TopicConsumer::assigned() const {
    if (!started_ || workers_.empty()) return false;
    return std::all_of(workers_.begin(), workers_.end(), [](const auto& w) { return w->assigned(); });
}

std::vector<std::int32_t> TopicConsumer::owned_partitions() const {
    std::vector<std::int32_t> out;
    for (const auto& w : workers_) {
        const auto mine = w->owned();
        out.insert(out.end(), mine.begin(), mine.end());
    }
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace coupon::messaging
