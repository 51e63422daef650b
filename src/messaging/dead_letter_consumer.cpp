#include "coupon/messaging/dead_letter_consumer.hpp"

#include "coupon/base/log.hpp"
#include "dead_letter_handler.hpp"
#include "result_publisher.hpp"
#include "retry_stages.hpp"
#include "topic_consumer.hpp"
#include "webhook.hpp"

namespace coupon::messaging {

struct DeadLetterConsumer::Impl {
    KafkaConfig config;
    StoreFactory store_factory;
    const domain::Clock& clock;
    std::shared_ptr<ResultPublisher> publisher;
    std::unique_ptr<DeadLetterWebhook> webhook;  // declared before the consumer: outlives its handlers
    std::unique_ptr<TopicConsumer> consumer;
    bool started = false;

    Impl(KafkaConfig c, StoreFactory f, const domain::Clock& k, std::shared_ptr<ResultPublisher> p)
        : config(std::move(c)), store_factory(std::move(f)), clock(k), publisher(std::move(p)) {}
};

DeadLetterConsumer::DeadLetterConsumer(KafkaConfig config, StoreFactory store_factory, const domain::Clock& clock,
                                       std::shared_ptr<ResultPublisher> publisher)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(store_factory), clock, std::move(publisher))) {}

DeadLetterConsumer::~DeadLetterConsumer() { stop(); }

void DeadLetterConsumer::start() {
    Impl& d = *impl_;
    if (d.started) return;
    if (!d.config.dead_letter_webhook.empty()) {
        d.webhook = std::make_unique<DeadLetterWebhook>(d.config.dead_letter_webhook);
        d.webhook->start();
    }
    d.started = true;
    TopicConsumer::Options options{d.config.topics.dlt, dead_letter_group(d.config), d.config.retry.consumer_threads,
                                   false, kQuietFetchWait};
    d.consumer = std::make_unique<TopicConsumer>(d.config, options, d.clock, *d.publisher);
    d.consumer->start([&d](int) -> std::unique_ptr<BatchHandler> {
        return std::make_unique<DeadLetterHandler>(d.config.topics.dlt, d.store_factory(), d.clock,
                                                   d.webhook.get());
    });
}

void DeadLetterConsumer::stop() {
    Impl& d = *impl_;
    if (!d.started) return;
    d.started = false;
    if (d.consumer) d.consumer->stop();
    d.consumer.reset();
    if (d.webhook) d.webhook->stop();
    log::info("dead-letter", "DLT consumer stopped");
}

bool DeadLetterConsumer::assigned() const { return impl_->consumer && impl_->consumer->assigned(); }

}  // namespace coupon::messaging
