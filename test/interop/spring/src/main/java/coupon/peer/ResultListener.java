package coupon.peer;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.messaging.handler.annotation.Payload;
import org.springframework.stereotype.Component;

// Reads coupon-server's result topic as a Spring service would.
@Component
public class ResultListener {
    @KafkaListener(topics = "${peer.result-topic:unused}", groupId = "${peer.group}-results",
                   containerFactory = "resultContainerFactory", autoStartup = "${peer.listen-results:false}")
    public void onResult(@Payload CouponIssueResult result, ConsumerRecord<String, Object> record) {
        ObjectNode line = Out.event("result");
        line.put("type", result.getClass().getName());
        line.put("key", record.key());
        line.put("requestId", result.requestId);
        line.put("userId", result.userId);
        line.put("couponPolicyId", result.couponPolicyId);
        line.put("status", result.status);
        line.put("couponId", result.couponId);
        Out.print(line);
    }
}
