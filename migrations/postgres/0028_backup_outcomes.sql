-- What each backup was found to hold when read back whole, where its off-site copy went,
-- and when the owners were told of it (at most one "backup done" a day:
-- src/ops/backups.rs).
ALTER TABLE backups
    ADD COLUMN orders BIGINT,
    ADD COLUMN users BIGINT,
    ADD COLUMN bookings BIGINT,
    ADD COLUMN copied_to TEXT,
    ADD COLUMN told_at BIGINT;
