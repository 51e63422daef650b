package coupon.peer;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.kafka.annotation.EnableKafka;
import org.springframework.kafka.annotation.EnableKafkaRetryTopic;
import org.springframework.kafka.config.ConcurrentKafkaListenerContainerFactory;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.support.serializer.JsonDeserializer;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;

// The seed's consumer settings (kafka-coupon-design.ko.md 3.3) and its listener with @RetryableTopic.
@Configuration
@EnableKafka
@EnableKafkaRetryTopic
@Import({ProducerBeans.class, CouponIssueEventListener.class, ResultListener.class})
@SuppressWarnings("removal")  // the seed's JsonDeserializer; spring-kafka 4 deprecates it for JacksonJsonDeserializer
public class ListenerBeans {
    private static Map<String, Object> seedConsumer(String bootstrap) {
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, JsonDeserializer.class);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10);
        p.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 300000);
        p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 30000);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(JsonDeserializer.TRUSTED_PACKAGES, "*");
        return p;
    }

    @Bean
    public ConsumerFactory<String, Object> consumerFactory(@Value("${peer.bootstrap}") String bootstrap) {
        Map<String, Object> p = seedConsumer(bootstrap);
        p.put(JsonDeserializer.USE_TYPE_INFO_HEADERS, true);
        p.put(JsonDeserializer.TYPE_MAPPINGS,
              "couponIssueRequest:kr.hhplus.be.server.coupon.domain.event.CouponIssueRequest");
        return new DefaultKafkaConsumerFactory<>(p);
    }

    @Bean
    public ConcurrentKafkaListenerContainerFactory<String, Object> kafkaListenerContainerFactory(
            ConsumerFactory<String, Object> consumerFactory) {
        ConcurrentKafkaListenerContainerFactory<String, Object> f = new ConcurrentKafkaListenerContainerFactory<>();
        f.setConsumerFactory(consumerFactory);
        f.getContainerProperties().setAckMode(ContainerProperties.AckMode.MANUAL);  // the seed acknowledges itself
        return f;
    }

    // coupon-server's results carry no type header: the consumer names the type.
    @Bean
    public ConcurrentKafkaListenerContainerFactory<String, Object> resultContainerFactory(
            @Value("${peer.bootstrap}") String bootstrap) {
        Map<String, Object> p = seedConsumer(bootstrap);
        p.put(JsonDeserializer.USE_TYPE_INFO_HEADERS, false);
        p.put(JsonDeserializer.VALUE_DEFAULT_TYPE, CouponIssueResult.class.getName());
        ConcurrentKafkaListenerContainerFactory<String, Object> f = new ConcurrentKafkaListenerContainerFactory<>();
        f.setConsumerFactory(new DefaultKafkaConsumerFactory<>(p));
        return f;
    }

    // Spring's retry topics wait for the due time with a scheduler.
    @Bean
    public TaskScheduler taskScheduler() {
        ThreadPoolTaskScheduler s = new ThreadPoolTaskScheduler();
        s.setPoolSize(2);
        return s;
    }

    // Creates the retry topics and the DLT @RetryableTopic declares when they do not exist (a Spring-only run);
    // topics coupon-server created are left as they are.
    @Bean
    public KafkaAdmin kafkaAdmin(@Value("${peer.bootstrap}") String bootstrap) {
        return new KafkaAdmin(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
    }
}
