#include "coupon/messaging/issue_consumer_group.hpp"

#include "coupon/base/log.hpp"
#include "issue_batch_handler.hpp"
#include "result_publisher.hpp"
#include "retry_stages.hpp"
#include "topic_consumer.hpp"

namespace coupon::messaging {

struct IssueConsumerGroup::Impl {
    KafkaConfig config;
    StoreFactory store_factory;
    const domain::Clock& clock;
    TestHooks hooks;
    BacklogGuard* guard;
    std::shared_ptr<ResultPublisher> publisher;  // results, retries and dead letters of every stage
    std::vector<ConsumeStage> stages;
    std::vector<std::unique_ptr<TopicConsumer>> consumers;  // stages[i] <-> consumers[i]
    bool started = false;

    Impl(KafkaConfig c, StoreFactory f, const domain::Clock& k, std::shared_ptr<ResultPublisher> p, TestHooks h,
         BacklogGuard* b)
        : config(std::move(c)),
          store_factory(std::move(f)),
          clock(k),
          hooks(std::move(h)),
          guard(b),
          publisher(std::move(p)),
          stages(consume_stages(config)) {}
};

IssueConsumerGroup::IssueConsumerGroup(KafkaConfig config, StoreFactory store_factory, const domain::Clock& clock,
                                       std::shared_ptr<ResultPublisher> publisher, TestHooks hooks, BacklogGuard* guard)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(store_factory), clock, std::move(publisher),
                                   std::move(hooks), guard)) {}

IssueConsumerGroup::~IssueConsumerGroup() { stop(); }

void IssueConsumerGroup::start() {
    Impl& g = *impl_;
    if (g.started) return;
    g.started = true;
    for (std::size_t i = 0; i < g.stages.size(); ++i) {
        const ConsumeStage& stage = g.stages[i];
        TopicConsumer::Options options{stage.topic, stage.group_id,
                                       i == 0 ? g.config.consumer_threads : g.config.retry.consumer_threads,
                                       stage.delayed, stage.delayed ? kQuietFetchWait : std::chrono::milliseconds(0)};
        auto consumer = std::make_unique<TopicConsumer>(g.config, options, g.clock, *g.publisher, g.guard);
        auto hook = i == 0 ? g.hooks.after_db_commit : std::function<void()>();
        consumer->start([&g, &stage, hook](int) -> std::unique_ptr<BatchHandler> {
            return std::make_unique<IssueHandler>(g.config, stage, g.store_factory(), g.clock, hook);
        });
        g.consumers.push_back(std::move(consumer));
    }
}

void IssueConsumerGroup::stop() {
    Impl& g = *impl_;
    if (!g.started) return;
    g.started = false;
    // Main topic first: it feeds the retry topics.
    for (auto& c : g.consumers) c->stop();
    g.consumers.clear();
    log::info("consumer", "group {} and its retry groups stopped", g.config.group_id);
}

bool IssueConsumerGroup::assigned() const {
    const Impl& g = *impl_;
    if (g.consumers.empty()) return false;
    for (const auto& c : g.consumers) {
        if (!c->assigned()) return false;
    }
    return true;
}

std::vector<std::int32_t> IssueConsumerGroup::owned_partitions() const {
    return impl_->consumers.empty() ? std::vector<std::int32_t>{} : impl_->consumers.front()->owned_partitions();
}

}  // namespace coupon::messaging
