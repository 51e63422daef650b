-- Initial schema (DESIGN.md section 6). Times are ISO 8601 UTC text with milliseconds
-- ("2026-12-01T01:00:00.123Z", domain::format_time), so they sort and compare as text.
-- Kafka coordinates are kafka_partition / kafka_offset: OFFSET is reserved in PostgreSQL.

CREATE TABLE coupon_policy (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT    NOT NULL,
    discount_type   TEXT    NOT NULL,
    discount_value  BIGINT  NOT NULL,
    total_quantity  BIGINT  NOT NULL CHECK (total_quantity >= 0),
    issued_quantity BIGINT  NOT NULL DEFAULT 0 CHECK (issued_quantity >= 0),
    issue_start_at  TEXT,
    issue_end_at    TEXT,
    created_at      TEXT    NOT NULL,
    -- The last guard against over-issue: no code path can commit more coupons than the stock.
    CHECK (issued_quantity <= total_quantity)
);

CREATE TABLE coupon (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id          BIGINT  NOT NULL,
    coupon_policy_id BIGINT  NOT NULL REFERENCES coupon_policy(id),
    request_id       TEXT    NOT NULL,
    kafka_partition  INTEGER NOT NULL DEFAULT -1,
    kafka_offset     BIGINT  NOT NULL DEFAULT -1,
    issued_at        TEXT    NOT NULL,
    UNIQUE (user_id, coupon_policy_id)
);
-- The UNIQUE index serves "does U hold P" and "coupons of U" (its leading column is user_id).

-- One row per accepted request: the audit trail of who came when and what they got.
-- coupon_policy_id has no foreign key: NOT_FOUND outcomes name policies that do not exist.
CREATE TABLE coupon_issue_request (
    request_id       TEXT    PRIMARY KEY,
    user_id          BIGINT  NOT NULL,
    coupon_policy_id BIGINT  NOT NULL,
    outcome          TEXT    NOT NULL,
    coupon_id        BIGINT  REFERENCES coupon(id),
    kafka_partition  INTEGER NOT NULL DEFAULT -1,
    kafka_offset     BIGINT  NOT NULL DEFAULT -1,
    requested_at     TEXT    NOT NULL,
    decided_at       TEXT    NOT NULL,
    remaining        BIGINT  NOT NULL DEFAULT -1,  -- stock left after this decision, -1 unknown
    error            TEXT
);
CREATE INDEX coupon_issue_request_policy ON coupon_issue_request (coupon_policy_id, outcome);
CREATE INDEX coupon_issue_request_user ON coupon_issue_request (user_id);

CREATE TABLE dead_letter (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    topic           TEXT    NOT NULL,
    kafka_partition INTEGER NOT NULL,
    kafka_offset    BIGINT  NOT NULL,
    key             TEXT,
    payload         TEXT    NOT NULL,
    headers         TEXT    NOT NULL DEFAULT '{}',  -- JSON object
    error           TEXT    NOT NULL,
    created_at      TEXT    NOT NULL,
    replayed_at     TEXT
);
CREATE INDEX dead_letter_pending ON dead_letter (replayed_at, id);
