package coupon.peer;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import kr.hhplus.be.server.coupon.domain.event.CouponIssueRequest;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.MessageListenerContainer;
import org.springframework.kafka.support.SendResult;

// The seed's Spring service as a test peer of coupon-server. Prints JSON lines on stdout.
//   produce BOOTSTRAP TOPIC POLICY FIRST_USER COUNT
//       KafkaTemplate.send(topic, String.valueOf(policy), CouponIssueRequest) for users FIRST_USER..+COUNT-1,
//       as the seed's CouponKafkaProducer does; one {"event":"sent",...} line per record, then "done".
//   listen BOOTSTRAP ISSUE_TOPIC GROUP RESULT_TOPIC|- FAIL_USERS|- SECONDS
//       the seed's @RetryableTopic listener on ISSUE_TOPIC (and its retry topics and DLT), plus a listener on
//       coupon-server's result topic; {"event":"ready"} once every container has its partitions, then one
//       line per record ("request", "dlt", "result") until SECONDS have passed or the process is stopped.
public final class SpringPeer {
    private SpringPeer() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 6 && args[0].equals("produce")) {
            System.exit(produce(args[1], args[2], Long.parseLong(args[3]), Long.parseLong(args[4]),
                                Integer.parseInt(args[5])));
        }
        if (args.length == 7 && args[0].equals("listen")) {
            System.exit(listen(args));
        }
        System.err.println("usage: produce BOOTSTRAP TOPIC POLICY FIRST_USER COUNT"
                           + " | listen BOOTSTRAP ISSUE_TOPIC GROUP RESULT_TOPIC|- FAIL_USERS|- SECONDS");
        System.exit(2);
    }

    private static int produce(String bootstrap, String topic, long policy, long firstUser, int count)
            throws Exception {
        if (count < 1 || count > 100000) throw new IllegalArgumentException("COUNT is 1..100000");
        System.setProperty("peer.bootstrap", bootstrap);
        try (AnnotationConfigApplicationContext ctx = new AnnotationConfigApplicationContext(ProducerBeans.class)) {
            @SuppressWarnings("unchecked")
            KafkaTemplate<String, Object> template = ctx.getBean(KafkaTemplate.class);
            List<CompletableFuture<SendResult<String, Object>>> sent = new ArrayList<>();
            for (long user = firstUser; user < firstUser + count; ++user) {
                CouponIssueRequest request = CouponIssueRequest.create(user, policy);
                String partitionKey = String.valueOf(policy);  // the seed: policy id as the key, first come first served
                sent.add(template.send(topic, partitionKey, request));
            }
            template.flush();
            int failed = 0;
            for (int i = 0; i < sent.size(); ++i) {
                try {
                    SendResult<String, Object> r = sent.get(i).get(60, TimeUnit.SECONDS);
                    Out.print(Out.event("sent").put("userId", firstUser + i)
                                  .put("partition", r.getRecordMetadata().partition())
                                  .put("offset", r.getRecordMetadata().offset()));
                } catch (Exception e) {
                    ++failed;
                    Out.print(Out.event("send-failed").put("userId", firstUser + i).put("error", e.toString()));
                }
            }
            Out.print(Out.event("done").put("sent", count - failed).put("failed", failed));
            return failed == 0 ? 0 : 1;
        }
    }

    private static int listen(String[] a) throws Exception {
        System.setProperty("peer.bootstrap", a[1]);
        System.setProperty("peer.issue-topic", a[2]);
        System.setProperty("peer.group", a[3]);
        if (!a[4].equals("-")) {
            System.setProperty("peer.result-topic", a[4]);
            System.setProperty("peer.listen-results", "true");
        }
        System.setProperty("peer.fail-users", a[5].equals("-") ? "" : a[5]);
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Math.min(Long.parseLong(a[6]), 600));
        try (AnnotationConfigApplicationContext ctx = new AnnotationConfigApplicationContext(ListenerBeans.class)) {
            ctx.registerShutdownHook();  // SIGTERM closes the containers
            KafkaListenerEndpointRegistry registry = ctx.getBean(KafkaListenerEndpointRegistry.class);
            boolean ready = false;
            while (!ready && System.nanoTime() < deadline) {
                ready = true;
                for (MessageListenerContainer c : registry.getListenerContainers()) {
                    if (c.isRunning() && (c.getAssignedPartitions() == null || c.getAssignedPartitions().isEmpty())) {
                        ready = false;
                    }
                }
                if (!ready) Thread.sleep(100);
            }
            Out.print(Out.event("ready").put("containers", registry.getListenerContainers().size()).put("ok", ready));
            while (System.nanoTime() < deadline) Thread.sleep(200);
        }
        return 0;
    }
}
