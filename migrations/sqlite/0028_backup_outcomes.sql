-- What each backup was found to hold when read back whole, where its off-site copy went,
-- and when the owners were told of it (at most one "backup done" a day:
-- src/ops/backups.rs).
ALTER TABLE backups ADD COLUMN orders INTEGER;
ALTER TABLE backups ADD COLUMN users INTEGER;
ALTER TABLE backups ADD COLUMN bookings INTEGER;
ALTER TABLE backups ADD COLUMN copied_to TEXT;
ALTER TABLE backups ADD COLUMN told_at INTEGER;
