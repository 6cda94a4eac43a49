-- A claim names the instance that made it, so that the claims of an instance that died
-- are taken over at once instead of when they run out.
ALTER TABLE outbox ADD COLUMN claimed_by BIGINT;
