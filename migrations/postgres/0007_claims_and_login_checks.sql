-- A claim names the instance that made it, so that the claims of an instance that died
-- are taken over at once instead of when they run out.
ALTER TABLE outbox ADD COLUMN claimed_by BIGINT;

-- Login tries being checked right now, counted apart from the failures: with them the
-- throttle never lets more tries be checked at once than it allows in all.
ALTER TABLE login_attempts ADD COLUMN checking BIGINT NOT NULL DEFAULT 0;
