#!/usr/bin/python3
"""An independent Kafka client (kafka-python) playing the seed's Spring service against our topics.

  spring_interop.py BOOTSTRAP TOPIC PARTITIONS produce USER POLICY
      produces a record the way Spring's JsonSerializer does (JSON with userId and couponPolicyId only,
      __TypeId__ = the full class name, String key = policy id, Java's murmur2 partitioning) and prints
      "partition offset".
  spring_interop.py BOOTSTRAP TOPIC PARTITIONS read REQUEST_ID
      finds our record with that requestId and checks what a Spring consumer relies on: the JSON fields,
      key = str(couponPolicyId), the __TypeId__ header, and the partition Java's partitioner would pick.
Exit status 0 when everything holds; the reason otherwise.
"""
import json
import sys
import time

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

SPRING_CLASS = "kr.hhplus.be.server.coupon.domain.event.CouponIssueRequest"


def murmur2(data: bytes) -> int:
    """org.apache.kafka.common.utils.Utils.murmur2, as an unsigned 32-bit value."""
    m, r = 0x5BD1E995, 24
    h = (0x9747B28C ^ len(data)) & 0xFFFFFFFF
    whole = len(data) // 4
    for i in range(whole):
        k = int.from_bytes(data[4 * i:4 * i + 4], "little")
        k = (k * m) & 0xFFFFFFFF
        k ^= k >> r
        k = (k * m) & 0xFFFFFFFF
        h = ((h * m) & 0xFFFFFFFF) ^ k
    tail, rest = data[4 * whole:], len(data) % 4
    if rest == 3:
        h ^= tail[2] << 16
    if rest >= 2:
        h ^= tail[1] << 8
    if rest >= 1:
        h ^= tail[0]
        h = (h * m) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * m) & 0xFFFFFFFF
    h ^= h >> 15
    return h


def java_partition(key: str, partitions: int) -> int:
    return (murmur2(key.encode()) & 0x7FFFFFFF) % partitions


def produce(bootstrap, topic, partitions, user, policy):
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    key = str(policy)
    value = json.dumps({"userId": int(user), "couponPolicyId": int(policy)}).encode()
    # Spring's partitioner is Java's murmur2; say so explicitly instead of trusting the client's default.
    future = producer.send(topic, key=key.encode(), value=value, partition=java_partition(key, partitions),
                           headers=[("__TypeId__", SPRING_CLASS.encode())])
    meta = future.get(timeout=20)
    producer.flush()
    producer.close()
    print(meta.partition, meta.offset)
    return 0


def read(bootstrap, topic, partitions, request_id):
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)
    consumer.assign([TopicPartition(topic, p) for p in range(partitions)])
    consumer.seek_to_beginning()
    deadline = time.time() + 20
    while time.time() < deadline:
        for records in consumer.poll(timeout_ms=200).values():
            for rec in records:
                body = json.loads(rec.value)
                if body.get("requestId") != request_id:
                    continue
                problems = []
                for field in ("userId", "couponPolicyId", "requestId", "requestedAt"):
                    if field not in body:
                        problems.append("missing " + field)
                key = rec.key.decode() if rec.key is not None else None
                if key != str(body.get("couponPolicyId")):
                    problems.append("key %r is not the policy id" % key)
                headers = dict(rec.headers)
                if headers.get("__TypeId__") != b"couponIssueRequest":
                    problems.append("__TypeId__ header is %r" % headers.get("__TypeId__"))
                expected = java_partition(str(body.get("couponPolicyId")), partitions)
                if rec.partition != expected:
                    problems.append("partition %d, Java's murmur2 says %d" % (rec.partition, expected))
                consumer.close()
                if problems:
                    print("; ".join(problems))
                    return 1
                print("ok partition", rec.partition, "offset", rec.offset)
                return 0
    consumer.close()
    print("request", request_id, "not found")
    return 1


def main(argv):
    bootstrap, topic, partitions, mode = argv[1], argv[2], int(argv[3]), argv[4]
    if mode == "produce":
        return produce(bootstrap, topic, partitions, argv[5], argv[6])
    if mode == "read":
        return read(bootstrap, topic, partitions, argv[5])
    print("unknown mode", mode)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
