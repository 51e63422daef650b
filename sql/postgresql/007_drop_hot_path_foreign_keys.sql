-- SQLite's 007 drops the issue path's two foreign keys (coupon -> policy, outcome -> coupon) by rebuilding
-- both tables. PostgreSQL dropped them in 005. Nothing to do; the number keeps both backends' migrations
-- in step.
SELECT 1;
