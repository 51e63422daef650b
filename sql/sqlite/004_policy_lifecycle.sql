-- Policy lifecycle (docs/policy-lifecycle.md): an operator pauses, resumes or closes a policy, or changes its
-- window or stock before it opens. status is read by the consumer inside its batch transaction, under the
-- same lock as the counts; revision counts the changes; every change leaves one audit row, in the same
-- transaction, with who (the admin principal and the remote address) and when.
ALTER TABLE coupon_policy ADD COLUMN status TEXT NOT NULL DEFAULT 'ACTIVE'
    CHECK (status IN ('ACTIVE', 'PAUSED', 'CLOSED'));
ALTER TABLE coupon_policy ADD COLUMN revision BIGINT NOT NULL DEFAULT 0;

CREATE TABLE coupon_policy_change (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    coupon_policy_id BIGINT  NOT NULL REFERENCES coupon_policy(id),
    revision         BIGINT  NOT NULL,  -- the policy's revision after the change
    action           TEXT    NOT NULL,  -- PAUSE, RESUME, CLOSE, EDIT
    principal        TEXT    NOT NULL,  -- "admin-token" or "jwt:<sub>"
    remote_address   TEXT    NOT NULL,
    changed_at       TEXT    NOT NULL,
    before_status    TEXT    NOT NULL,
    after_status     TEXT    NOT NULL,
    before_total     BIGINT  NOT NULL,
    after_total      BIGINT  NOT NULL,
    before_start_at  TEXT,
    after_start_at   TEXT,
    before_end_at    TEXT,
    after_end_at     TEXT,
    UNIQUE (coupon_policy_id, revision)
);
