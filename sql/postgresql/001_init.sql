-- Initial schema (DESIGN.md section 6), the same tables and columns as sql/sqlite/001_init.sql.
-- Times are ISO 8601 UTC text with milliseconds ("2026-12-01T01:00:00.123Z", domain::format_time), as
-- on SQLite: one row reader serves both backends, and the fixed-width text sorts and compares as time.
-- Kafka coordinates are kafka_partition / kafka_offset: OFFSET is reserved in PostgreSQL.

CREATE TABLE coupon_policy (
    id              BIGSERIAL PRIMARY KEY,
    name            TEXT      NOT NULL,
    discount_type   TEXT      NOT NULL,
    discount_value  BIGINT    NOT NULL,
    total_quantity  BIGINT    NOT NULL CHECK (total_quantity >= 0),
    issued_quantity BIGINT    NOT NULL DEFAULT 0 CHECK (issued_quantity >= 0),
    issue_start_at  TEXT,
    issue_end_at    TEXT,
    created_at      TEXT      NOT NULL,
    -- The last guard against over-issue: no code path can commit more coupons than the stock.
    CONSTRAINT coupon_policy_stock CHECK (issued_quantity <= total_quantity)
);
-- sold_out_policies() at start-up of every node.
CREATE INDEX coupon_policy_sold_out ON coupon_policy (id) WHERE issued_quantity >= total_quantity;

CREATE TABLE coupon (
    id               BIGSERIAL PRIMARY KEY,
    user_id          BIGINT    NOT NULL,
    coupon_policy_id BIGINT    NOT NULL REFERENCES coupon_policy(id),
    request_id       TEXT      NOT NULL,
    kafka_partition  INTEGER   NOT NULL DEFAULT -1,
    kafka_offset     BIGINT    NOT NULL DEFAULT -1,
    issued_at        TEXT      NOT NULL,
    CONSTRAINT coupon_one_per_user UNIQUE (user_id, coupon_policy_id)
);
-- The UNIQUE index serves "does U hold P" and "coupons of U" (its leading column is user_id). The
-- foreign key needs no index of its own: policies are never deleted.

-- One row per accepted request: the audit trail of who came when and what they got.
-- coupon_policy_id has no foreign key: NOT_FOUND outcomes name policies that do not exist.
CREATE TABLE coupon_issue_request (
    request_id       TEXT      PRIMARY KEY,
    user_id          BIGINT    NOT NULL,
    coupon_policy_id BIGINT    NOT NULL,
    outcome          TEXT      NOT NULL,
    coupon_id        BIGINT    REFERENCES coupon(id),
    kafka_partition  INTEGER   NOT NULL DEFAULT -1,
    kafka_offset     BIGINT    NOT NULL DEFAULT -1,
    requested_at     TEXT      NOT NULL,
    decided_at       TEXT      NOT NULL,
    remaining        BIGINT    NOT NULL DEFAULT -1,  -- stock left after this decision, -1 unknown
    error            TEXT
);
CREATE INDEX coupon_issue_request_policy ON coupon_issue_request (coupon_policy_id, outcome);
CREATE INDEX coupon_issue_request_user ON coupon_issue_request (user_id);
-- No index on coupon_id: coupons are never deleted, so the foreign key never needs the reverse lookup,
-- and every index costs the batch upsert.

CREATE TABLE dead_letter (
    id              BIGSERIAL PRIMARY KEY,
    topic           TEXT      NOT NULL,
    kafka_partition INTEGER   NOT NULL,
    kafka_offset    BIGINT    NOT NULL,
    key             TEXT,
    payload         TEXT      NOT NULL,
    headers         TEXT      NOT NULL DEFAULT '{}',  -- JSON object
    error           TEXT      NOT NULL,
    created_at      TEXT      NOT NULL,
    replayed_at     TEXT
);
CREATE INDEX dead_letter_pending ON dead_letter (replayed_at, id);
