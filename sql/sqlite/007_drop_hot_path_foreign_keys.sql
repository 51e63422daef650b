-- The issue path writes a coupon and an outcome row per issued request, and SQLite checked both foreign
-- keys (coupon -> policy, outcome -> coupon) row by row: store_bench, batches of 5,000 all issued, three
-- alternating pairs, 440 / 439 / 449k requests/s with the checks, 493 / 501 / 495k without; the backlog
-- drain's consumer thread spent 6-13% less CPU (docs/consumer-pipeline.md). PostgreSQL dropped them in its
-- 005; what they guarded still holds without them: a batch's coupons of each policy must equal what it adds
-- to that policy's issued count, an update that refuses the batch unless the policy exists
-- (store/issued_counts.hpp), an outcome's coupon_id is an id its own transaction inserted, and nothing
-- deletes policies or coupons.
--
-- rebuilds: coupon_issue_request coupon
-- (An operator's own indexes of these tables, views and triggers are kept: store/sqlite_table_rebuild.hpp.)
-- SQLite drops a constraint only by rebuilding its table. The outcome table goes first: once it no longer
-- refers to coupon, nothing does, and coupon can be rebuilt with foreign key enforcement on. A rebuild
-- copies every row, once, at the first start-up: 8.8 s for 1,000,000 coupons and their outcomes (a 272 MB
-- file, 2 cores, synchronous=FULL); the old tables' pages stay in the file as free pages for new rows.

CREATE TABLE coupon_issue_request_rebuilt (
    request_id       TEXT    PRIMARY KEY,
    user_id          BIGINT  NOT NULL,
    coupon_policy_id BIGINT  NOT NULL,
    outcome          TEXT    NOT NULL,
    coupon_id        BIGINT,           -- the coupon this request got, inserted by the same transaction
    kafka_partition  INTEGER NOT NULL DEFAULT -1,
    kafka_offset     BIGINT  NOT NULL DEFAULT -1,
    requested_at     TEXT    NOT NULL,
    decided_at       TEXT    NOT NULL,
    remaining        BIGINT  NOT NULL DEFAULT -1,  -- stock left after this decision, -1 unknown
    error            TEXT
);
INSERT INTO coupon_issue_request_rebuilt(request_id, user_id, coupon_policy_id, outcome, coupon_id,
                                         kafka_partition, kafka_offset, requested_at, decided_at, remaining, error)
    SELECT request_id, user_id, coupon_policy_id, outcome, coupon_id, kafka_partition, kafka_offset,
           requested_at, decided_at, remaining, error
    FROM coupon_issue_request ORDER BY rowid;
DROP TABLE coupon_issue_request;
ALTER TABLE coupon_issue_request_rebuilt RENAME TO coupon_issue_request;

CREATE TABLE coupon_rebuilt (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id          BIGINT  NOT NULL,
    coupon_policy_id BIGINT  NOT NULL,  -- a policy that exists: the batch's issued count says so
    request_id       TEXT    NOT NULL,
    kafka_partition  INTEGER NOT NULL DEFAULT -1,
    kafka_offset     BIGINT  NOT NULL DEFAULT -1,
    issued_at        TEXT    NOT NULL,
    UNIQUE (user_id, coupon_policy_id)
);
-- Coupon ids go on from where the old table's sequence stood, not from its highest surviving id.
INSERT INTO sqlite_sequence(name, seq) SELECT 'coupon_rebuilt', seq FROM sqlite_sequence WHERE name = 'coupon';
INSERT INTO coupon_rebuilt(id, user_id, coupon_policy_id, request_id, kafka_partition, kafka_offset, issued_at)
    SELECT id, user_id, coupon_policy_id, request_id, kafka_partition, kafka_offset, issued_at
    FROM coupon ORDER BY id;
DROP TABLE coupon;
ALTER TABLE coupon_rebuilt RENAME TO coupon;
