package coupon.peer;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import kr.hhplus.be.server.coupon.domain.event.CouponIssueRequest;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.kafka.annotation.BackOff;
import org.springframework.kafka.annotation.DltHandler;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.annotation.RetryableTopic;
import org.springframework.kafka.support.Acknowledgment;
import org.springframework.kafka.support.KafkaHeaders;
import org.springframework.messaging.handler.annotation.Header;
import org.springframework.messaging.handler.annotation.Payload;
import org.springframework.stereotype.Component;

// The seed's CouponIssueEventListener (kafka-coupon-design.ko.md 3.4) with the same annotations, in
// spring-kafka 4's spelling: spring-retry's @Backoff became spring-kafka's own @BackOff (same delay and
// multiplier; the seed's `backoff = @Backoff(...)` does not compile against spring-kafka 4). Instead of
// issuing it prints what it received; users in peer.fail-users fail like a system error, so Spring itself
// sends them through its retry topics and DLT.
@Component
public class CouponIssueEventListener {
    private final Set<Long> failUsers;

    public CouponIssueEventListener(@Value("${peer.fail-users:}") String failUsers) {
        this.failUsers = Arrays.stream(failUsers.split(",")).filter(s -> !s.isBlank()).map(Long::valueOf)
                             .collect(Collectors.toSet());
    }

    @RetryableTopic(attempts = "3", backOff = @BackOff(delay = 1000, multiplier = 2.0),
                    exclude = {BusinessException.class})
    @KafkaListener(topics = "${peer.issue-topic}", groupId = "${peer.group}",
                   containerFactory = "kafkaListenerContainerFactory")
    public void handleCouponIssueRequest(@Payload CouponIssueRequest request,
                                         @Header(KafkaHeaders.RECEIVED_PARTITION) int partition,
                                         @Header(KafkaHeaders.OFFSET) long offset,
                                         ConsumerRecord<String, Object> record, Acknowledgment ack) {
        Out.print(describe("request", request, record));
        if (failUsers.contains(request.getUserId())) {
            throw new IllegalStateException("peer: system failure for user " + request.getUserId());
        }
        ack.acknowledge();
    }

    @DltHandler
    public void handleDLTMessage(@Payload CouponIssueRequest request,
                                 @Header(KafkaHeaders.RECEIVED_PARTITION) int partition,
                                 @Header(KafkaHeaders.OFFSET) long offset,
                                 ConsumerRecord<String, Object> record, Acknowledgment ack) {
        Out.print(describe("dlt", request, record));
        ack.acknowledge();
    }

    private static ObjectNode describe(String kind, CouponIssueRequest request, ConsumerRecord<String, Object> record) {
        ObjectNode line = Out.event(kind);
        line.put("receivedAt", System.currentTimeMillis());
        line.put("type", request.getClass().getName());
        line.put("userId", request.getUserId());
        line.put("couponPolicyId", request.getCouponPolicyId());
        line.put("topic", record.topic());
        line.put("partition", record.partition());
        line.put("offset", record.offset());
        line.put("timestamp", record.timestamp());
        line.put("key", record.key());
        line.set("headers", Out.headers(record));
        return line;
    }
}
