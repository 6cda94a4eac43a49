-- The Laporan page reads counts kept as tickets move, never the orders themselves: per
-- group, local day (days since 1970-01-01 in the group's zone), stage and staff member,
-- how many tickets, in which duration bucket (log scale, 16 per doubling of
-- milliseconds; see src/reports), and how many met or missed their time target. Written
-- in the transaction of each /moban, Pickup and Close by multi-row upserts.
-- stage: 'order' (a new ticket: staff_id 0, bucket 0), 'pickup' (from the /moban to the
-- Pickup, by the picker), 'close' (from the Pickup to the Close, by the closer).
CREATE TABLE report_counts (
    chat_id  INTEGER NOT NULL,
    day      INTEGER NOT NULL,
    stage    TEXT    NOT NULL,
    staff_id INTEGER NOT NULL,
    bucket   INTEGER NOT NULL,
    tickets  INTEGER NOT NULL,
    met      INTEGER NOT NULL,
    missed   INTEGER NOT NULL,
    PRIMARY KEY (chat_id, day, stage, staff_id, bucket)
);

-- The open backlog by age, counted from the index alone.
CREATE INDEX orders_open_age ON orders (chat_id, status, created_at) WHERE status IN ('order', 'pickup');
-- /rekap's fastest and slowest closes of the week.
CREATE INDEX orders_closed_at ON orders (closed_at) WHERE closed_at IS NOT NULL;
