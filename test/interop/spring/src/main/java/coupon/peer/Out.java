package coupon.peer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

// What the peer saw, one JSON object per line on stdout: the C++ tests read these lines.
public final class Out {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Out() {
    }

    public static ObjectNode event(String kind) {
        return MAPPER.createObjectNode().put("event", kind);
    }

    public static synchronized void print(ObjectNode line) {
        System.out.println(line.toString());
        System.out.flush();
    }

    // Each header by name (the last value, like Headers.lastHeader): "text" when it is printable UTF-8,
    // "hex" always, so the test can decode numbers the way Spring wrote them.
    public static ObjectNode headers(ConsumerRecord<?, ?> record) {
        ObjectNode out = MAPPER.createObjectNode();
        for (Header h : record.headers()) {
            ObjectNode v = MAPPER.createObjectNode();
            byte[] bytes = h.value() == null ? new byte[0] : h.value();
            StringBuilder hex = new StringBuilder();
            boolean printable = true;
            for (byte b : bytes) {
                hex.append(String.format("%02x", b & 0xff));
                printable &= b >= 0x20 && b < 0x7f;
            }
            v.put("hex", hex.toString());
            if (printable && bytes.length <= 512) v.put("text", new String(bytes, StandardCharsets.UTF_8));
            out.set(h.key(), v);
        }
        return out;
    }
}
