-- The issue path writes a coupon and an outcome row per issued request. Their two foreign keys made
-- PostgreSQL check each row apart, with a row lock each (the policy's, and the new coupon's, which writes
-- the coupon's tuple again): store_bench with batches of 5,000, all issued, fsync on: 20-22k requests/s
-- with both, 30-34k without either one, 55-60k without both (docs/consumer-pipeline.md).
-- What they guarded still holds without them: a coupon is inserted only for a policy that exists (the
-- insert joins coupon_policy, and a batch whose coupon count comes back short is refused), an outcome's
-- coupon_id is the id that same transaction's insert returned, and nothing deletes policies or coupons.
ALTER TABLE coupon DROP CONSTRAINT IF EXISTS coupon_coupon_policy_id_fkey;
ALTER TABLE coupon_issue_request DROP CONSTRAINT IF EXISTS coupon_issue_request_coupon_id_fkey;
