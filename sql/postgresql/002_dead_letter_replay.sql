-- Dead letters an operator can list and replay (DESIGN.md section 3). The same statements on SQLite and
-- PostgreSQL.
--
-- Where the record first was (the kafka_original-* headers of the DLT record).
ALTER TABLE dead_letter ADD COLUMN original_topic TEXT NOT NULL DEFAULT '';
ALTER TABLE dead_letter ADD COLUMN original_partition INTEGER NOT NULL DEFAULT -1;
ALTER TABLE dead_letter ADD COLUMN original_offset BIGINT NOT NULL DEFAULT -1;
-- Kafka keys and values are bytes: 'text' when stored as is (UTF-8 without NUL), 'base64' otherwise.
-- headers holds a JSON array of [name, value] pairs in record order (names may repeat); a value that is
-- not UTF-8 text is {"base64":"..."}. The '{}' default of 001 reads as no headers.
ALTER TABLE dead_letter ADD COLUMN key_encoding TEXT NOT NULL DEFAULT 'text';
ALTER TABLE dead_letter ADD COLUMN payload_encoding TEXT NOT NULL DEFAULT 'text';
-- The decoded request, so a replay re-publishes the same request id; NULL for a record that did not decode.
ALTER TABLE dead_letter ADD COLUMN request_id TEXT;
ALTER TABLE dead_letter ADD COLUMN user_id BIGINT;
ALTER TABLE dead_letter ADD COLUMN coupon_policy_id BIGINT;
ALTER TABLE dead_letter ADD COLUMN requested_at TEXT;
-- A redelivered DLT record is stored once (INSERT ... ON CONFLICT DO NOTHING).
CREATE UNIQUE INDEX dead_letter_record ON dead_letter (topic, kafka_partition, kafka_offset);
-- Listing by time (GET /api/admin/dead-letters?from=&to=).
CREATE INDEX dead_letter_created ON dead_letter (created_at, id);
